"""Feeds over HTTP, for everyone: RSS, Atom, JSON Feed and ninjs of every centre's page.

``/feeds/{zone}.rss``, ``.atom``, ``.json`` (JSON Feed 1.1), ``/feeds/{zone}/ninjs.json``
and ``/feeds/stories/{id}.ninjs.json``; ``?lang=zh-CN`` (default) or ``en`` for the labels.
Every answer carries a strong ``ETag`` (a hash of its bytes) and ``Last-Modified`` (the
newsroom's last change), and a request that names the current tag (or, without a tag, a
time not before that change) gets ``304 Not Modified`` with no body.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.newsroom import feed_formats, ninjs
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.feeds import Channel, parse_language, story_item, zone_channel
from yunjin.newsroom.syndication import PageKind

router = APIRouter(tags=["feeds"])
Lang = Annotated[str | None, Query(max_length=16, description="zh-CN (default) or en")]
CACHE: Final = "public, max-age=60"
RSS: Final = "application/rss+xml; charset=utf-8"
ATOM: Final = "application/atom+xml; charset=utf-8"
JSON_FEED: Final = "application/feed+json; charset=utf-8"
JSON: Final = "application/json; charset=utf-8"
Render = Callable[[str, str, Channel, ZoneInfo], bytes]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _zone_feed(
    request: Request, zone: str, lang: str | None, render: Render, kind: str
) -> Response:
    runtime = runtime_of(request)
    tz = ZoneInfo(runtime.settings.timezone)

    def build(session: Session) -> tuple[bytes, datetime]:
        channel = zone_channel(session, zone, datetime.now(UTC), parse_language(lang))
        return render(_base(request), str(request.url), channel, tz), channel.updated

    body, changed = _read(request, build)
    return conditional(request, body, kind, changed)


def _read(
    request: Request, work: Callable[[Session], tuple[bytes, datetime]]
) -> tuple[bytes, datetime]:
    try:
        with runtime_of(request).db.session() as session:
            return work(session)
    except NewsroomError as error:
        status = 404 if error.code.endswith("_not_found") else 400
        raise ApiError(status, error.code, error.values) from error


@router.get("/feeds/{zone}.rss")
def rss(request: Request, zone: str, lang: Lang = None) -> Response:
    """RSS 2.0 of a centre's page: what its front page, zone or section shows."""
    return _zone_feed(request, zone, lang, feed_formats.render_rss, RSS)


@router.get("/feeds/{zone}.atom")
def atom(request: Request, zone: str, lang: Lang = None) -> Response:
    """Atom of a centre's page."""
    return _zone_feed(request, zone, lang, feed_formats.render_atom, ATOM)


@router.get("/feeds/{zone}.json")
def json_feed(request: Request, zone: str, lang: Lang = None) -> Response:
    """JSON Feed 1.1 of a centre's page."""
    return _zone_feed(request, zone, lang, feed_formats.render_json_feed, JSON_FEED)


@router.get("/feeds/{zone}/ninjs.json")
def ninjs_page(request: Request, zone: str, lang: Lang = None) -> Response:
    """The page's stories as IPTC ninjs 2.1 objects, for syndication."""

    def render(base: str, self_url: str, channel: Channel, tz: ZoneInfo) -> bytes:
        return _json(ninjs.render_page(base, self_url, channel, tz))

    return _zone_feed(request, zone, lang, render, JSON)


@router.get("/feeds/stories/{story_id}.ninjs.json")
def ninjs_story(request: Request, story_id: int, lang: Lang = None) -> Response:
    """One published story as an IPTC ninjs 2.1 object."""
    runtime = runtime_of(request)
    tz = ZoneInfo(runtime.settings.timezone)

    def build(session: Session) -> tuple[bytes, datetime]:
        item = story_item(session, story_id, datetime.now(UTC))
        channel = Channel(
            item.tenant, PageKind.SECTION, item.source, parse_language(lang), item.updated
        )
        return _json(ninjs.render_item(_base(request), channel, item, tz)), item.updated

    body, changed = _read(request, build)
    return conditional(request, body, JSON, changed)


def _json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def conditional(request: Request, body: bytes, media_type: str, changed: datetime) -> Response:
    """``body`` with its validators, or 304 when the client already holds it."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(changed.astimezone(UTC), usegmt=True),
        "Cache-Control": CACHE,
    }
    if _not_modified(request, etag, changed):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _not_modified(request: Request, etag: str, changed: datetime) -> bool:
    """RFC 9110 §13.2.2: If-None-Match first (weak comparison); If-Modified-Since only
    without it."""
    tags = request.headers.get("if-none-match")
    if tags is not None:
        held = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return "*" in held or etag in held
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return changed.replace(microsecond=0) <= moment
