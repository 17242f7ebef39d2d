"""Resumable uploads in the spirit of tus: create, send chunks at an offset, resume, abort.

An upload is created with the file's name, its total size and its target title (or episode).
Chunks arrive at ``Upload-Offset``, which must be the number of bytes received so far; they
are written to ``vod/uploads/{id}/{name}``, fsynced, and only then counted. A client that
lost its connection asks for the offset and sends the rest. With the last byte the file is
ingested (probed, kept, its job queued); a refused file leaves nothing behind. Uploads idle
for ``vod_upload_stale_h`` are purged with their bytes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select, update

from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.db.models import VodAsset, VodUpload
from yunjin.i18n import register
from yunjin.vod.assets import (
    AssetView,
    IngestError,
    IngestTarget,
    JobQueue,
    as_utc,
    check_target,
    ingest_file,
    rows_changed,
    safe_filename,
    utcnow,
)

log = logging.getLogger(__name__)

WRITE_BATCH: Final = 1 << 20  # bytes gathered before one write to disk

register(
    {
        "vod_upload_not_found": ("No upload {upload}.", "上传任务 {upload} 不存在。"),
        "vod_upload_bad_size": (
            "An upload declares its size in bytes, more than 0.",
            "上传须声明文件大小（字节数），且大于 0。",
        ),
        "vod_upload_too_large": (
            "{size} bytes is more than the {limit} bytes an upload may have.",
            "{size} 字节超过了上传上限 {limit} 字节。",
        ),
        "vod_upload_no_space": (
            "Not enough disk space: {size} bytes needed, {free} free.",
            "磁盘空间不足：需要 {size} 字节，剩余 {free} 字节。",
        ),
        "vod_upload_offset_mismatch": (
            "This chunk starts at byte {given}, but the upload has {offset} bytes: "
            "send from byte {offset}.",
            "该数据块从第 {given} 字节开始，但已接收 {offset} 字节：请从第 {offset} 字节继续发送。",
        ),
        "vod_upload_overflow": (
            "The chunk goes past the declared size of {size} bytes.",
            "数据块超出了声明的文件大小 {size} 字节。",
        ),
        "vod_upload_closed": (
            "Upload {upload} is {state}; it takes no more bytes.",
            "上传任务 {upload} 状态为 {state}，不再接收数据。",
        ),
    }
)


class UploadState(StrEnum):
    OPEN = "open"  # receiving chunks
    COMPLETE = "complete"  # every byte received and ingested: see asset
    REJECTED = "rejected"  # every byte received, refused by the probe: see error
    ABORTED = "aborted"  # the client gave up (DELETE)
    EXPIRED = "expired"  # idle too long, purged


@dataclass(frozen=True, slots=True)
class UploadView:
    id: str
    filename: str
    size_bytes: int
    offset: int
    state: UploadState
    title: str
    season: int | None
    episode: int | None
    asset: str | None
    error_code: str | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Received:
    upload: UploadView
    asset: AssetView | None = None  # set when this chunk was the last


def upload_dir(settings: Settings, upload_id: str) -> Path:
    return settings.vod_dir / "uploads" / upload_id


def create_upload(
    settings: Settings,
    db: Database,
    filename: str,
    size: int,
    target: IngestTarget,
    created_by: str,
) -> UploadView:
    """Open an upload; its name, size and target are checked before any byte is sent."""
    name = safe_filename(filename)
    limit = int(settings.vod_upload_max_gb * 1024**3)
    if size <= 0:
        raise IngestError("vod_upload_bad_size")
    if size > limit:
        raise IngestError("vod_upload_too_large", size=size, limit=limit)
    with db.session() as session:
        check_target(session, target)
    folder = upload_dir(settings, secrets.token_hex(16))
    folder.mkdir(parents=True)
    free = shutil.disk_usage(folder).free
    if free < size:
        folder.rmdir()
        raise IngestError("vod_upload_no_space", size=size, free=free)
    (folder / name).touch()
    now = utcnow()
    with db.session() as session:
        session.add(
            VodUpload(
                id=folder.name,
                filename=name,
                size_bytes=size,
                received_bytes=0,
                title_code=target.title_code,
                title_zh=target.title_zh,
                season=target.season,
                episode=target.episode,
                state=UploadState.OPEN.value,
                created_by=created_by,
                created_at=now,
                updated_at=now,
            )
        )
    return upload_view(settings, db, folder.name)


async def receive(
    settings: Settings,
    db: Database,
    queue: JobQueue,
    upload_id: str,
    offset: int,
    body: AsyncIterator[bytes],
    length: int | None = None,
) -> Received:
    """Write a chunk at ``offset``; with the last byte, ingest the file.

    The bytes written are counted even when the client goes away mid-chunk, so it can resume
    from what arrived.
    """
    row = await asyncio.to_thread(_open_upload, db, upload_id)
    if offset != row.received_bytes:
        raise IngestError("vod_upload_offset_mismatch", given=offset, offset=row.received_bytes)
    if length is not None and offset + length > row.size_bytes:
        raise IngestError("vod_upload_overflow", size=row.size_bytes)
    path = upload_dir(settings, upload_id) / row.filename
    written = 0
    overflow = False
    handle = await asyncio.to_thread(path.open, "r+b")
    pending: list[bytes] = []
    try:
        handle.seek(offset)
        gathered = 0
        async for chunk in body:
            room = row.size_bytes - offset - written - gathered
            if len(chunk) > room:
                chunk, overflow = chunk[:room], True
            pending.append(chunk)
            gathered += len(chunk)
            if gathered >= WRITE_BATCH or overflow:
                written += await asyncio.to_thread(_write, handle, pending)
                pending, gathered = [], 0
            if overflow:
                break
    finally:  # what arrived is kept, even from a client that went away
        if pending:
            written += await asyncio.to_thread(_write, handle, pending)
        await asyncio.to_thread(_close, handle)
        counted = await asyncio.to_thread(_count, db, upload_id, offset, written)
    if not counted:  # another request moved the offset meanwhile
        current = await asyncio.to_thread(upload_view, settings, db, upload_id)
        raise IngestError("vod_upload_offset_mismatch", given=offset, offset=current.offset)
    if overflow:
        raise IngestError("vod_upload_overflow", size=row.size_bytes)
    if offset + written < row.size_bytes:
        return Received(await asyncio.to_thread(upload_view, settings, db, upload_id))
    asset = await asyncio.to_thread(complete, settings, db, queue, upload_id)
    return Received(await asyncio.to_thread(upload_view, settings, db, upload_id), asset)


def complete(settings: Settings, db: Database, queue: JobQueue, upload_id: str) -> AssetView:
    """Ingest an upload whose every byte arrived; refused, it is ``rejected`` and removed."""
    row = _open_upload(db, upload_id)
    folder = upload_dir(settings, upload_id)
    target = IngestTarget(
        row.title_code, title_zh=row.title_zh, season=row.season, episode=row.episode
    )
    try:
        asset = ingest_file(
            settings, db, queue, folder / row.filename, target, move=True, filename=row.filename
        )
    except IngestError as error:
        _close_upload(db, upload_id, UploadState.REJECTED, error_code=error.code)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    with db.session() as session:
        asset_id = session.scalar(select(VodAsset.id).where(VodAsset.code == asset.code))
    _close_upload(db, upload_id, UploadState.COMPLETE, asset_id=asset_id)
    shutil.rmtree(folder, ignore_errors=True)
    return asset


def abort(settings: Settings, db: Database, upload_id: str) -> UploadView:
    """Give up an open upload; its bytes are removed."""
    _open_upload(db, upload_id)
    _close_upload(db, upload_id, UploadState.ABORTED)
    shutil.rmtree(upload_dir(settings, upload_id), ignore_errors=True)
    return upload_view(settings, db, upload_id)


def purge_stale(settings: Settings, db: Database, now: datetime | None = None) -> list[str]:
    """Expire open uploads idle for ``vod_upload_stale_h`` and remove their bytes, and any
    upload folder no open upload owns (left by a crash); the ids purged."""
    now = now or utcnow()
    idle_since = now - timedelta(hours=settings.vod_upload_stale_h)
    with db.session() as session:
        stale = session.scalars(
            select(VodUpload.id).where(
                VodUpload.state == UploadState.OPEN, VodUpload.updated_at < idle_since
            )
        ).all()
        for upload_id in stale:
            session.execute(
                update(VodUpload)
                .where(VodUpload.id == upload_id, VodUpload.state == UploadState.OPEN)
                .values(state=UploadState.EXPIRED.value, updated_at=now)
            )
        still_open = set(
            session.scalars(select(VodUpload.id).where(VodUpload.state == UploadState.OPEN))
        )
    purged = list(stale)
    root = settings.vod_dir / "uploads"
    for folder in root.iterdir() if root.is_dir() else ():
        if folder.name in still_open:
            continue
        modified = datetime.fromtimestamp(folder.stat().st_mtime, now.tzinfo)
        if folder.name in stale or modified < idle_since:
            shutil.rmtree(folder, ignore_errors=True)
            if folder.name not in purged:
                purged.append(folder.name)
    for upload_id in purged:
        log.info("upload %s purged", upload_id)
    return purged


def upload_view(settings: Settings, db: Database, upload_id: str) -> UploadView:
    with db.session() as session:
        row = session.get(VodUpload, upload_id)
        if row is None:
            raise IngestError("vod_upload_not_found", upload=upload_id)
        asset = None
        if row.asset_id is not None:
            asset = session.scalar(select(VodAsset.code).where(VodAsset.id == row.asset_id))
    updated = as_utc(row.updated_at) or utcnow()
    return UploadView(
        id=row.id,
        filename=row.filename,
        size_bytes=row.size_bytes,
        offset=row.received_bytes,
        state=UploadState(row.state),
        title=row.title_code,
        season=row.season,
        episode=row.episode,
        asset=asset,
        error_code=row.error_code,
        created_at=as_utc(row.created_at) or updated,
        updated_at=updated,
        expires_at=updated + timedelta(hours=settings.vod_upload_stale_h),
    )


def _open_upload(db: Database, upload_id: str) -> VodUpload:
    with db.session() as session:
        row = session.get(VodUpload, upload_id)
        if row is None:
            raise IngestError("vod_upload_not_found", upload=upload_id)
        if row.state != UploadState.OPEN:
            raise IngestError("vod_upload_closed", upload=upload_id, state=row.state)
        return row


def _count(db: Database, upload_id: str, offset: int, written: int) -> bool:
    """Add what was written, if the offset is still the one the chunk started at."""
    if written == 0:
        return True
    with db.session() as session:
        changed = rows_changed(
            session.execute(
                update(VodUpload)
                .where(
                    VodUpload.id == upload_id,
                    VodUpload.received_bytes == offset,
                    VodUpload.state == UploadState.OPEN,
                )
                .values(received_bytes=offset + written, updated_at=utcnow())
            )
        )
    return changed == 1


def _close_upload(
    db: Database,
    upload_id: str,
    state: UploadState,
    *,
    error_code: str | None = None,
    asset_id: int | None = None,
) -> None:
    with db.session() as session:
        session.execute(
            update(VodUpload)
            .where(VodUpload.id == upload_id)
            .values(
                state=state.value, error_code=error_code, asset_id=asset_id, updated_at=utcnow()
            )
        )


def _write(handle: Any, pieces: list[bytes]) -> int:
    data = b"".join(pieces)
    handle.write(data)
    return len(data)


def _close(handle: Any) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
