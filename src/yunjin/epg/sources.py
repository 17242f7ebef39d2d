"""Where guides come from: a file or a URL, once or on a schedule."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.engine import Database
from yunjin.db.models import EpgChannelMap, EpgSource
from yunjin.epg.importer import ImportReport, import_guide, open_guide
from yunjin.live.channels import list_channels

log = logging.getLogger(__name__)
DOWNLOAD_TIMEOUT_S = 60.0


class GuideSourceError(RuntimeError):
    """The guide could not be fetched or read; the message says why."""


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


@contextmanager
def local_copy(location: str) -> Iterator[Path]:
    """The guide as a local file: itself, or a download of the URL."""
    if not is_url(location):
        path = Path(location)
        if not path.is_file():
            raise GuideSourceError(f"no such file: {location}")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="yunjin-epg-") as folder:
        target = Path(folder) / "guide"
        try:
            with httpx.stream(
                "GET", location, timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=True
            ) as response:
                response.raise_for_status()
                with open(target, "wb") as out:
                    for chunk in response.iter_raw(1 << 16):
                        out.write(chunk)
        except httpx.HTTPError as error:
            raise GuideSourceError(f"cannot download {location}: {error}") from error
        yield target


def import_location(
    db: Database, location: str, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Import a guide file or URL in one transaction; the previous guide stays on failure."""
    with local_copy(location) as path:
        total = path.stat().st_size
        with open_guide(path) as (stream, position), db.session() as session:
            channels = list_channels(session)

            def tick() -> None:
                if progress is not None:
                    progress(position(), total)

            report = import_guide(session, stream, channels, source=location, progress=tick)
        if progress is not None:
            progress(total, total)
    return report


def add_mapping(session: Session, xmltv_id: str, channel_id: str) -> None:
    mapping = session.get(EpgChannelMap, xmltv_id)
    if mapping is None:
        session.add(EpgChannelMap(xmltv_id=xmltv_id, channel_id=channel_id))
    else:
        mapping.channel_id = channel_id


def schedule_source(session: Session, url: str, every_hours: int) -> None:
    source = session.scalar(select(EpgSource).where(EpgSource.url == url))
    if source is None:
        session.add(EpgSource(url=url, every_hours=every_hours, last_report=""))
    else:
        source.every_hours = every_hours


def refresh_due_sources(db: Database, now: datetime | None = None) -> list[ImportReport]:
    """Import every scheduled guide whose time has come; a failure is recorded, not raised."""
    moment = now or datetime.now(UTC)
    with db.session() as session:
        due = [
            (source.id, source.url)
            for source in session.scalars(select(EpgSource))
            if source.last_attempt_at is None
            or _aware(source.last_attempt_at) + timedelta(hours=source.every_hours) <= moment
        ]
    reports = []
    for source_id, url in due:
        outcome: str
        try:
            report = import_location(db, url)
            reports.append(report)
            outcome = json.dumps(report.as_json(), ensure_ascii=False)
            succeeded = True
        except (GuideSourceError, ValueError, OSError) as error:
            log.warning("guide %s failed: %s", url, error)
            outcome = json.dumps({"error": str(error)}, ensure_ascii=False)
            succeeded = False
        with db.session() as session:
            source = session.get(EpgSource, source_id)
            if source is not None:
                source.last_attempt_at = moment
                source.last_report = outcome
                if succeeded:
                    source.last_success_at = moment
    return reports


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
