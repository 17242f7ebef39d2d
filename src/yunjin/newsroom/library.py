"""A centre's media library: its videos, images and texts, what stories may attach.

A video item is the VOD asset its upload became — probed, transcoded by the VOD workers,
a title in the newsroom's reserved category (``vod.offer``), so it never shows on the 点播
shelves; its state and percent are the asset's and its job's. An image item is a file
checked and re-encoded by ``library_files``, served publicly at :func:`image_url` by an
unguessable key (a published story's images are public; a draft's are not listed anywhere).
A text item is copy kept for reuse, its body sanitised HTML (``library_texts``); a story
takes a copy of it, so its use is not recorded and it may be deleted (ADR 0024, amendment 1).

Every action asks the gate (``permissions.may``: view, upload, delete) in the caller's
transaction; an item of another centre answers "not found". A story attaches only its own
centre's items (:func:`check_attachments`; a tip's video ingested by the same centre still
counts), and the versions that use an item are recorded (:func:`record_usage`), so an item
in use cannot be deleted.
"""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yunjin.db.models import (
    NewsroomMedia,
    NewsroomStaff,
    NewsroomTip,
    NewsroomTipMedia,
    NewsroomVersion,
    NewsroomVersionMedia,
    VodAsset,
    VodJob,
)
from yunjin.i18n import register
from yunjin.newsroom.content import Content, plain
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.library_files import StoredImage
from yunjin.newsroom.library_texts import CheckedText
from yunjin.newsroom.permissions import Actor, may, require
from yunjin.newsroom.tenants import tenant_ref
from yunjin.newsroom.terms import Action
from yunjin.vod.assets import IngestTarget, as_utc
from yunjin.vod.catalog import TitleDraft, TitleKind
from yunjin.vod.offer import NEWSROOM_CATEGORY, ensure_newsroom_category

IMAGE_ROUTE: Final = "/api/v1/media/images"
IMAGE_URL: Final = re.compile(r"^/api/v1/media/images/(?P<key>[0-9a-f]{32})\.(?:jpg|png)$")
MAX_TITLE: Final = 200
TAG: Final = re.compile(r"<[^>]*>")

register(
    {
        "newsroom_media_not_found": (
            "No media library item {media}.",
            "媒体库中没有条目 {media}。",
        ),
        "newsroom_media_bad_kind": (
            "A library item is a video, an image or a text, not {kind!r}.",
            "媒体库条目只能是视频（video）、图片（image）或文稿（text），不能是 {kind!r}。",
        ),
        "newsroom_media_in_use": (
            "{title} is used by story {story}; remove it from every version first.",
            "“{title}”正被稿件 {story} 使用，不能删除。",
        ),
        "newsroom_video_not_in_library": (
            "Video {asset} is not in the media library of centre {tenant}: upload it there "
            "(or ingest a tip's video of that centre) first.",
            "视频 {asset} 不在融媒体中心 {tenant} 的媒体库中：请先上传到本中心媒体库"
            "（或导入本中心的爆料视频）。",
        ),
        "newsroom_image_not_in_library": (
            "Image {url} is not in the media library of centre {tenant}: upload it there first.",
            "图片 {url} 不在融媒体中心 {tenant} 的媒体库中：请先上传到本中心媒体库。",
        ),
    }
)


class MediaKind(StrEnum):
    VIDEO = "video"
    IMAGE = "image"
    TEXT = "text"


KIND_LABELS: Final = {
    MediaKind.VIDEO: ("Video", "视频"),
    MediaKind.IMAGE: ("Image", "图片"),
    MediaKind.TEXT: ("Text", "文稿"),
}


def parse_media_kind(value: str) -> MediaKind:
    try:
        return MediaKind(value)
    except ValueError:
        raise NewsroomError("newsroom_media_bad_kind", kind=value[:40]) from None


def image_url(key: str, extension: str) -> str:
    """The stable public address of a library image, as a story's ``images`` carry it."""
    return f"{IMAGE_ROUTE}/{key}.{extension}"


def new_image_key() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class Titles:
    zh: str
    en: str


def check_titles(title_zh: str, title_en: str, fallback: str) -> Titles:
    """Plain-text titles; the Chinese one defaults to the file's name."""
    zh = plain(title_zh or fallback, "title", MAX_TITLE) or fallback[:MAX_TITLE]
    return Titles(zh, plain(title_en, "title_en", MAX_TITLE))


# -- adding ----------------------------------------------------------------------------


def check_upload(session: Session, actor: Actor, tenant_code: str) -> None:
    """Refuse before a byte is read: the centre must exist and the person may upload."""
    require(may(actor, Action.UPLOAD_MEDIA, tenant_ref(session, tenant_code)))


def video_target(session: Session, tenant_code: str, titles: Titles) -> IngestTarget:
    """The VOD title a newsroom video becomes: new, in the newsroom's category."""
    ensure_newsroom_category(session)
    code = f"nr-{tenant_code}-{secrets.token_hex(6)}"
    draft = TitleDraft(code, TitleKind.MOVIE, titles.zh, titles.en, categories=(NEWSROOM_CATEGORY,))
    return IngestTarget(code, titles.zh, titles.en, draft=draft)


def add_video(
    session: Session,
    actor: Actor,
    tenant_code: str,
    asset_code: str,
    titles: Titles,
    filename: str,
    now: datetime,
) -> NewsroomMedia:
    """A video item for an asset the VOD pipeline took in (the gate asked again)."""
    check_upload(session, actor, tenant_code)
    asset = session.scalar(select(VodAsset).where(VodAsset.code == asset_code))
    if asset is None:
        raise NewsroomError("newsroom_video_not_found", asset=asset_code)
    return _add(
        session,
        NewsroomMedia(
            kind=MediaKind.VIDEO.value,
            asset_code=asset_code,
            content_type="video",
            size_bytes=asset.size_bytes,
            width=asset.width,
            height=asset.height,
        ),
        actor,
        tenant_code,
        titles,
        filename,
        now,
    )


def add_image(
    session: Session,
    actor: Actor,
    tenant_code: str,
    stored: StoredImage,
    key: str,
    relative_path: str,
    titles: Titles,
    filename: str,
    now: datetime,
) -> NewsroomMedia:
    """An image item for a file ``library_files.store_image`` checked and wrote."""
    check_upload(session, actor, tenant_code)
    return _add(
        session,
        NewsroomMedia(
            kind=MediaKind.IMAGE.value,
            image_key=key,
            image_path=relative_path,
            content_type=stored.content_type,
            size_bytes=stored.size_bytes,
            width=stored.width,
            height=stored.height,
        ),
        actor,
        tenant_code,
        titles,
        filename,
        now,
    )


def add_text(
    session: Session,
    actor: Actor,
    tenant_code: str,
    text: CheckedText,
    titles: Titles,
    filename: str,
    now: datetime,
) -> NewsroomMedia:
    """A text item for a body ``library_texts.check_text`` sanitised and measured."""
    check_upload(session, actor, tenant_code)
    return _add(
        session,
        NewsroomMedia(
            kind=MediaKind.TEXT.value,
            content_type=text.content_type,
            size_bytes=text.size_bytes,
            body=text.body,
        ),
        actor,
        tenant_code,
        titles,
        filename,
        now,
    )


def _add(
    session: Session,
    item: NewsroomMedia,
    actor: Actor,
    tenant_code: str,
    titles: Titles,
    filename: str,
    now: datetime,
) -> NewsroomMedia:
    """Store an item of any kind with what every item records: its centre, titles, file
    name, uploader and time."""
    item.tenant_code = tenant_code
    item.title_zh = titles.zh
    item.title_en = titles.en
    item.filename = filename
    item.uploaded_by = actor.id
    item.created_at = now
    session.add(item)
    session.flush()
    return item


# -- reading ---------------------------------------------------------------------------


def items_of(
    session: Session, actor: Actor, tenant_code: str, kind: MediaKind | None = None
) -> list[NewsroomMedia]:
    """A centre's library, newest first: for its own staff only."""
    require(may(actor, Action.VIEW_LIBRARY, tenant_ref(session, tenant_code)))
    query = select(NewsroomMedia).where(NewsroomMedia.tenant_code == tenant_code)
    if kind is not None:
        query = query.where(NewsroomMedia.kind == kind.value)
    return list(session.scalars(query.order_by(NewsroomMedia.id.desc()).limit(500)))


def get_item(session: Session, actor: Actor, media_id: int) -> NewsroomMedia:
    """An item its centre's staff may see; "not found" for everyone else."""
    item = session.get(NewsroomMedia, media_id)
    if item is None or not may(actor, Action.VIEW_LIBRARY, tenant_ref(session, item.tenant_code)):
        raise NewsroomError("newsroom_media_not_found", media=media_id)
    return item


def items_json(
    session: Session, items: list[NewsroomMedia], *, with_body: bool = False
) -> list[dict[str, Any]]:
    """Items as the API and the console show them; a video with its transcode's state,
    percent and error, read from its VOD asset and job; a text with its body when
    ``with_body`` (one item), else a short excerpt (a list)."""
    codes = [i.asset_code for i in items if i.asset_code]
    videos: dict[str, tuple[VodAsset, VodJob | None]] = {}
    if codes:
        rows = session.execute(
            select(VodAsset, VodJob)
            .outerjoin(VodJob, VodJob.asset_id == VodAsset.id)
            .where(VodAsset.code.in_(codes))
        )
        videos = {asset.code: (asset, job) for asset, job in rows}
    named = session.execute(
        select(NewsroomStaff.id, NewsroomStaff.username).where(
            NewsroomStaff.id.in_({i.uploaded_by for i in items})
        )
    )
    people = {staff_id: username for staff_id, username in named}
    return [
        _item_json(i, videos.get(i.asset_code or ""), people.get(i.uploaded_by), with_body)
        for i in items
    ]


def _item_json(
    item: NewsroomMedia,
    video: tuple[VodAsset, VodJob | None] | None,
    uploader: str | None,
    with_body: bool,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": item.id,
        "tenant": item.tenant_code,
        "kind": item.kind,
        "title": {"zh-CN": item.title_zh, "en": item.title_en},
        "filename": item.filename,
        "uploaded_by": uploader,
        "created_at": _seconds(item.created_at),
        "size_bytes": item.size_bytes,
        "width": item.width,
        "height": item.height,
    }
    if item.kind == MediaKind.IMAGE:
        extension = "png" if item.content_type == "image/png" else "jpg"
        found["url"] = image_url(item.image_key or "", extension)
        found["content_type"] = item.content_type
        return found
    if item.kind == MediaKind.TEXT:
        found["content_type"] = item.content_type
        found["excerpt"] = excerpt(item.body or "")
        if with_body:
            found["body_html"] = item.body or ""
        return found
    asset, job = video if video is not None else (None, None)
    state = asset.state if asset is not None else "missing"
    percent = 100.0 if state == "ready" else round((job.progress if job else 0.0) * 100, 1)
    found["asset"] = item.asset_code
    found["state"] = state
    found["percent"] = percent
    found["duration_s"] = asset.duration_s if asset is not None else None
    found["error"] = asset.error_code if asset is not None else None
    return found


def excerpt(body: str, limit: int = 120) -> str:
    """The first words of a text item's body, as plain text."""
    text = " ".join(html.unescape(TAG.sub(" ", body)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_body(session: Session, actor: Actor, tenant_code: str, media_id: int) -> str:
    """The body of one of the centre's text items, for a story to take a copy of; any
    other item (another centre's, or not a text) answers "not found"."""
    item = get_item(session, actor, media_id)
    if item.tenant_code != tenant_code or item.kind != MediaKind.TEXT or item.body is None:
        raise NewsroomError("newsroom_media_not_found", media=media_id)
    return item.body


def _seconds(moment: datetime) -> int:
    aware = as_utc(moment)
    assert aware is not None
    return int(aware.timestamp())


# -- deleting --------------------------------------------------------------------------


def delete_item(session: Session, actor: Actor, media_id: int) -> str | None:
    """Remove an item no story version uses; answers its image's path (relative to the
    data directory) for the caller to remove once the transaction committed. A video's
    VOD asset stays (a title in the newsroom's category, on no shelf)."""
    item = get_item(session, actor, media_id)
    require(may(actor, Action.DELETE_MEDIA, tenant_ref(session, item.tenant_code)))
    user = session.scalar(
        select(NewsroomVersion.story_id)
        .join(NewsroomVersionMedia, NewsroomVersionMedia.version_id == NewsroomVersion.id)
        .where(NewsroomVersionMedia.media_id == item.id)
        .limit(1)
    )
    if user is None and item.asset_code:
        user = session.scalar(
            select(NewsroomVersion.story_id)
            .where(NewsroomVersion.video_asset == item.asset_code)
            .limit(1)
        )
    if user is not None:
        raise NewsroomError("newsroom_media_in_use", title=item.title_zh, story=user)
    path = item.image_path
    session.delete(item)
    session.flush()
    return path


# -- what stories attach ---------------------------------------------------------------


def image_key(url: str) -> str | None:
    """The library key of an image address, None for any other address."""
    found = IMAGE_URL.match(url)
    return found.group("key") if found else None


def check_attachments(
    session: Session, tenant_code: str, content: Content, before: Content | None
) -> None:
    """Refuse a video or an image that is not in the centre's own library; what the
    working version already carried stays allowed (a story written before the library)."""
    kept_video = before.video_asset if before is not None else None
    kept_images = {i.url for i in before.images} if before is not None else set()
    video = content.video_asset
    if video is not None and video != kept_video and not _own_video(session, tenant_code, video):
        raise NewsroomError("newsroom_video_not_in_library", asset=video, tenant=tenant_code)
    for image in content.images:
        if image.url in kept_images:
            continue
        key = image_key(image.url)
        owner = None
        if key is not None:
            owner = session.scalar(
                select(NewsroomMedia.tenant_code).where(NewsroomMedia.image_key == key)
            )
        if owner != tenant_code:
            raise NewsroomError(
                "newsroom_image_not_in_library", url=image.url[:80], tenant=tenant_code
            )


def _own_video(session: Session, tenant_code: str, asset_code: str) -> bool:
    in_library = session.scalar(
        select(NewsroomMedia.id).where(
            NewsroomMedia.asset_code == asset_code, NewsroomMedia.tenant_code == tenant_code
        )
    )
    if in_library is not None:
        return True
    from_tip = session.scalar(
        select(NewsroomTipMedia.id)
        .join(NewsroomTip, NewsroomTip.id == NewsroomTipMedia.tip_id)
        .where(NewsroomTipMedia.asset_code == asset_code, NewsroomTip.tenant_code == tenant_code)
    )
    return from_tip is not None


def record_usage(session: Session, version: NewsroomVersion, tenant_code: str) -> None:
    """Note which of the centre's library items ``version`` uses."""
    keys = [k for k in (image_key(i["url"]) for i in version.images) if k is not None]
    conditions = []
    if version.video_asset:
        conditions.append(NewsroomMedia.asset_code == version.video_asset)
    if keys:
        conditions.append(NewsroomMedia.image_key.in_(keys))
    if not conditions:
        return
    ids = session.scalars(
        select(NewsroomMedia.id).where(NewsroomMedia.tenant_code == tenant_code, or_(*conditions))
    )
    session.add_all(NewsroomVersionMedia(version_id=version.id, media_id=i) for i in set(ids))
    session.flush()


# -- public images ---------------------------------------------------------------------


def public_image(session: Session, key: str) -> tuple[str, str] | None:
    """(path under the data directory, content type) of a library image, or None."""
    row = session.execute(
        select(NewsroomMedia.image_path, NewsroomMedia.content_type).where(
            NewsroomMedia.image_key == key, NewsroomMedia.kind == MediaKind.IMAGE.value
        )
    ).first()
    if row is None or row[0] is None:
        return None
    return str(row[0]), str(row[1])


def relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root))
