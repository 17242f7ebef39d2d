"""Taking an upload into a centre's media library, for the API and the console alike.

The caller has parsed the form (its file spooled by Starlette) and holds the person's
newsroom session token (a bearer token or the console's cookie). Here the kind, the name
and the titles are checked, the file is copied into a folder of its own with its size
counted (``library_files.receive``), then an image is checked and re-encoded, a video handed
to the VOD pipeline (``vod.assets.ingest_file``: probed, kept, transcode queued), and the
item recorded — each step as the person, through the gate. A text item comes as a
``body`` field or a small ``.txt`` / ``.html`` file (``library_texts``: UTF-8, sanitised,
size-limited) and is one row, no file kept. Refusals are
:class:`NewsroomError` or :class:`IngestError` (the probe's); the receiving folder is
removed whatever happens, so a refused upload leaves neither a row nor a file.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from sqlalchemy.orm import Session

from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.newsroom import library, library_files, library_texts
from yunjin.newsroom import staff as accounts
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.library import MediaKind, Titles
from yunjin.newsroom.permissions import Actor
from yunjin.vod.assets import JobQueue, ingest_file

T = TypeVar("T")


def now() -> datetime:
    return datetime.now(UTC)


def as_staff(db: Database, token: str, work: Callable[[Session, Actor], T]) -> T:
    """``work`` as the person of the newsroom session ``token``, in one transaction."""
    with db.session() as session:
        person = accounts.session_staff(session, token, now())
        if person is None:
            raise NewsroomError("newsroom_login_required")
        return work(session, accounts.actor_for(session, person.id))


def check_upload(db: Database, token: str, code: str) -> None:
    """Before a byte of the body is read: the person may upload to the centre."""
    as_staff(db, token, lambda s, actor: library.check_upload(s, actor, code))


def receive_upload(
    settings: Settings,
    db: Database,
    queue: JobQueue,
    token: str,
    code: str,
    fields: dict[str, str],
    filename: str,
    source: BinaryIO | None,
) -> dict[str, Any]:
    """Check, keep and record one uploaded file (or a text's ``body``); the new item as
    ``library.items_json``."""
    kind = library.parse_media_kind(fields.get("kind", ""))
    if kind is MediaKind.TEXT:
        return receive_text(db, token, code, fields, filename, source)
    if source is None:
        raise NewsroomError("newsroom_media_no_file")
    name = library_files.checked_name(filename)
    titles = library.check_titles(fields.get("title", ""), fields.get("title_en", ""), name)
    folder = library_files.incoming_dir(settings) / secrets.token_hex(12)
    folder.mkdir(parents=True)
    try:
        if kind is MediaKind.IMAGE:
            kept = library_files.receive(source, name, folder, library_files.MAX_IMAGE_BYTES)
            return _add_image(settings, db, token, code, kept, name, titles)
        kept = library_files.receive(source, name, folder, library_files.MAX_VIDEO_BYTES)
        return _add_video(settings, db, queue, token, code, kept, name, titles)
    finally:
        library_files.discard(folder)


def receive_text(
    db: Database,
    token: str,
    code: str,
    fields: dict[str, str],
    filename: str,
    source: BinaryIO | None,
) -> dict[str, Any]:
    """A text item from the ``body`` field (``format``: plain | html) or from a .txt or
    .html file; checked whole before the one row is written."""
    body = fields.get("body", "")
    if source is not None and body.strip():
        raise NewsroomError("newsroom_media_text_body_and_file")
    if source is None:
        form = library_texts.parse_format(fields.get("format", ""))
        name, raw = "", body
    else:
        name = library_files.checked_name(filename)
        form = library_texts.file_format(name)
        raw = library_texts.decode(source.read(library_texts.MAX_TEXT_BYTES + 1), name)
    text = library_texts.check_text(raw, form)
    titles = library.check_titles(fields.get("title", ""), fields.get("title_en", ""), name)
    if not titles.zh:
        raise NewsroomError("newsroom_title_empty")

    def add(session: Session, actor: Actor) -> dict[str, Any]:
        item = library.add_text(session, actor, code, text, titles, name, now())
        return library.items_json(session, [item], with_body=True)[0]

    return as_staff(db, token, add)


def _add_image(
    settings: Settings, db: Database, token: str, code: str, kept: Path, name: str, titles: Titles
) -> dict[str, Any]:
    key = library.new_image_key()
    folder = library_files.images_dir(settings, code)
    folder.mkdir(parents=True, exist_ok=True)
    stored = library_files.store_image(kept, name, folder / key)
    path = library.relative(stored.path, settings.data_dir)

    def add(session: Session, actor: Actor) -> dict[str, Any]:
        item = library.add_image(session, actor, code, stored, key, path, titles, name, now())
        return library.items_json(session, [item])[0]

    try:
        return as_staff(db, token, add)
    except BaseException:
        stored.path.unlink(missing_ok=True)
        raise


def _add_video(
    settings: Settings,
    db: Database,
    queue: JobQueue,
    token: str,
    code: str,
    kept: Path,
    name: str,
    titles: Titles,
) -> dict[str, Any]:
    target = as_staff(db, token, lambda s, _actor: library.video_target(s, code, titles))
    asset = ingest_file(settings, db, queue, kept, target, move=True, filename=name)

    def add(session: Session, actor: Actor) -> dict[str, Any]:
        item = library.add_video(session, actor, code, asset.code, titles, name, now())
        return library.items_json(session, [item])[0]

    return as_staff(db, token, add)
