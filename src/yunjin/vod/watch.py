"""The watch folder: a film dropped there becomes a movie, without further steps.

Each scan looks at the files in the folder. A file whose size and modification time have not
changed for ``stable_s`` is finished copying; it is claimed by renaming it into
``.claimed/{host}_{pid}_{random}/`` (a rename is atomic, so of several workers scanning one
folder exactly one takes it), then ingested as a new movie titled from its name. A sidecar
``{stem}.json`` beside it may give the title's fields. A file that is refused goes to
``rejected/`` with ``{name}.error.txt`` saying why, in both languages.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import socket
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select

from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.db.models import VodTitle
from yunjin.i18n import register
from yunjin.vod.assets import AssetView, IngestError, IngestTarget, JobQueue, ingest_file
from yunjin.vod.catalog import CODE, TitleDraft, TitleKind

log = logging.getLogger(__name__)

STABLE_S: Final = 5.0
CLAIMED: Final = ".claimed"
REJECTED: Final = "rejected"
# names of copies still being written by common tools; they are renamed when done
IN_PROGRESS: Final = (".part", ".partial", ".tmp", ".crdownload", ".download", ".filepart")
SIDECAR_FIELDS: Final = frozenset(
    {
        "code",
        "title_zh",
        "title_en",
        "description_zh",
        "description_en",
        "year",
        "age_rating",
        "cast",
        "poster_url",
        "categories",
    }
)
_WORDS: Final = re.compile(r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff]+)|(?P<latin>[a-z0-9]+)")

register(
    {
        "vod_bad_sidecar": (
            "The sidecar {name} cannot be used: {reason}.",
            "附带的描述文件 {name} 无法使用：{reason}。",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class WatchOutcome:
    name: str
    asset: AssetView | None = None
    error: IngestError | None = None


class WatchFolder:
    """Scans one folder; it remembers sizes between scans to tell finished files."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        queue: JobQueue,
        *,
        stable_s: float = STABLE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.db = db
        self.queue = queue
        self.root = settings.watch_dir
        self.stable_s = stable_s
        self.clock = clock
        self._seen: dict[str, tuple[int, int, float]] = {}  # name → size, mtime, unchanged since

    def scan(self) -> list[WatchOutcome]:
        """Ingest (or reject) every file that has stopped changing; the outcomes."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._recover_claims()
        now = self.clock()
        present: set[str] = set()
        ready: list[str] = []
        for entry in os.scandir(self.root):
            if not entry.is_file(follow_symlinks=False) or _skipped(entry.name):
                continue
            status = entry.stat(follow_symlinks=False)
            present.add(entry.name)
            seen = self._seen.get(entry.name)
            if seen is None or seen[:2] != (status.st_size, status.st_mtime_ns):
                self._seen[entry.name] = (status.st_size, status.st_mtime_ns, now)
            elif now - seen[2] >= self.stable_s:
                ready.append(entry.name)
        for name in list(self._seen):
            if name not in present:
                del self._seen[name]
        outcomes = []
        for name in sorted(ready):
            self._seen.pop(name, None)
            outcome = self._take(name)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _take(self, name: str) -> WatchOutcome | None:
        claim = self.root / CLAIMED / f"{_owner()}_{secrets.token_hex(4)}"
        claim.mkdir(parents=True)
        try:
            os.rename(self.root / name, claim / name)
        except FileNotFoundError:  # another worker took it
            claim.rmdir()
            return None
        sidecar = self.root / f"{Path(name).stem}.json"
        if sidecar.is_file():
            os.rename(sidecar, claim / sidecar.name)
            sidecar = claim / sidecar.name
        else:
            sidecar = claim / "-"
        try:
            target = self._target(name, sidecar if sidecar.exists() else None)
            asset = ingest_file(self.settings, self.db, self.queue, claim / name, target, move=True)
        except IngestError as error:
            self._reject(claim, name, error)
            log.warning("watch folder: %s rejected: %s", name, error)
            return WatchOutcome(name, error=error)
        finally:
            shutil.rmtree(claim, ignore_errors=True)
        log.info("watch folder: %s is asset %s of %s", name, asset.code, asset.title)
        return WatchOutcome(name, asset=asset)

    def _target(self, name: str, sidecar: Path | None) -> IngestTarget:
        fields = read_sidecar(sidecar) if sidecar is not None else {}
        stem = Path(name).stem
        title_zh = str(fields.get("title_zh") or title_from_name(stem))
        with self.db.session() as session:
            code = str(fields.get("code") or self._free_code(session, code_from_name(stem)))
        try:
            year = fields.get("year")
            draft = TitleDraft(
                code=code,
                kind=TitleKind.MOVIE,
                title_zh=title_zh,
                title_en=str(fields.get("title_en", "")),
                description_zh=str(fields.get("description_zh", "")),
                description_en=str(fields.get("description_en", "")),
                year=None if year is None else int(year),
                age_rating=int(fields.get("age_rating", 0)),
                cast=tuple(str(name) for name in fields.get("cast", ())),
                poster_url=str(fields.get("poster_url", "")),
                categories=tuple(
                    str(code)
                    for code in fields.get("categories", self.settings.vod_watch_categories)
                ),
            )
        except (TypeError, ValueError) as error:
            shown = name if sidecar is None else sidecar.name  # defaults alone are always valid
            raise IngestError("vod_bad_sidecar", name=shown, reason=str(error)) from error
        return IngestTarget(code, title_zh=title_zh, draft=draft)

    def _free_code(self, session: Any, base: str) -> str:
        taken = set(
            session.scalars(select(VodTitle.code).where(VodTitle.code.startswith(base))).all()
        )
        if base not in taken:
            return base
        number = 2
        while f"{base}-{number}" in taken:
            number += 1
        return f"{base}-{number}"

    def _reject(self, claim: Path, name: str, error: IngestError) -> None:
        rejected = self.root / REJECTED
        rejected.mkdir(exist_ok=True)
        kept = rejected / name
        if kept.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            kept = rejected / f"{Path(name).stem}.{stamp}{Path(name).suffix}"
        if (claim / name).exists():
            os.rename(claim / name, kept)
        for sidecar in claim.glob("*.json"):
            os.rename(sidecar, rejected / sidecar.name)
        messages = error.messages()
        kept.with_name(kept.name + ".error.txt").write_text(
            f"{error.code}\n{messages['en']}\n{messages['zh-CN']}\n", encoding="utf-8"
        )

    def _recover_claims(self) -> None:
        """Put back the files of a claim whose process on this host died mid-ingest."""
        claims = self.root / CLAIMED
        if not claims.is_dir():
            return
        host = socket.gethostname()
        for claim in claims.iterdir():
            owner_host, _, rest = claim.name.rpartition("_")[0].rpartition("_")
            if owner_host != host or not rest.isdigit() or _alive(int(rest)):
                continue
            for leftover in claim.iterdir():
                if not (self.root / leftover.name).exists():
                    os.rename(leftover, self.root / leftover.name)
            shutil.rmtree(claim, ignore_errors=True)


def read_sidecar(path: Path) -> dict[str, Any]:
    """A sidecar's title fields; unknown fields or bad JSON are refused."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise IngestError("vod_bad_sidecar", name=path.name, reason=str(error)) from error
    if not isinstance(data, dict):
        raise IngestError("vod_bad_sidecar", name=path.name, reason="it is not a JSON object")
    unknown = sorted(set(data) - SIDECAR_FIELDS)
    if unknown:
        raise IngestError(
            "vod_bad_sidecar", name=path.name, reason=f"unknown fields {', '.join(unknown)}"
        )
    if "code" in data and not CODE.match(str(data["code"])):
        raise IngestError("vod_bad_sidecar", name=path.name, reason="a bad code")
    return data


def title_from_name(stem: str) -> str:
    """``The.Wandering_Earth`` → ``The Wandering Earth``: a title from a file name."""
    spaced = re.sub(r"[._]+", " ", stem).strip()
    return re.sub(r"\s+", " ", spaced) or stem


def code_from_name(stem: str) -> str:
    """A title code from a file name: Latin words and the pinyin of Han runs, by '-'."""
    text = unicodedata.normalize("NFKD", stem).casefold()
    words: list[str] = []
    for match in _WORDS.finditer(text):
        if match.group("han"):
            words.append("".join(lazy_pinyin(match.group("han"), style=Style.NORMAL)))
        else:
            words.append(match.group("latin"))
    code = "-".join(w for w in words if w)[:56].strip("-")
    return code if code and CODE.match(code) else "film"


def _skipped(name: str) -> bool:
    lowered = name.lower()
    return (
        name.startswith(".")
        or lowered.endswith((".json", ".error.txt"))
        or lowered.endswith(IN_PROGRESS)
    )


def _owner() -> str:
    return f"{socket.gethostname()}_{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
