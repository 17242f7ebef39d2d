"""The guide over HTTP: now/next, a channel's day, search, XMLTV export and the M3U."""

from __future__ import annotations

import io
import time
import weakref
from datetime import date, datetime, timedelta
from typing import Annotated, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.schemas import ChannelNowNext, GuideDay, GuideProgramme, GuideSearch, NowNext
from yunjin.db.models import Programme
from yunjin.epg.export_cache import Export, ExportCache
from yunjin.epg.guide import GuideEntry, now_next, programmes_between, schedule, search
from yunjin.epg.xmltv import XmltvChannel, write_xmltv
from yunjin.folding import fold
from yunjin.interop.m3u import CatchupMode, M3uOptions, render_m3u
from yunjin.runtime import Runtime

router = APIRouter()
DAY_MS = 86_400_000
SEARCH_MIN_CHARS: Final = 2
SEARCH_MAX_RESULTS: Final = 100
_CACHES: weakref.WeakKeyDictionary[Runtime, ExportCache] = weakref.WeakKeyDictionary()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _programme(runtime: Runtime, entry: GuideEntry, now_ms: int) -> GuideProgramme:
    index = runtime.archives.get(entry.channel_id).index
    return GuideProgramme.of(entry, index, now_ms, runtime.settings.base_url)


def _maybe(runtime: Runtime, entry: GuideEntry | None, now_ms: int) -> GuideProgramme | None:
    return None if entry is None else _programme(runtime, entry, now_ms)


@router.get("/api/v1/epg/now")
def epg_now(request: Request) -> NowNext:
    """What is on now and next on every channel."""
    runtime = runtime_of(request)
    now_ms = _now_ms()
    ids = [channel.tvg_id for channel in runtime.lineup()]
    with runtime.db.session() as session:
        found = now_next(session, ids, now_ms)
    return NowNext(
        now=now_ms // 1000,
        channels=[
            ChannelNowNext(
                channel=channel_id,
                now=_maybe(runtime, current, now_ms),
                next=_maybe(runtime, following, now_ms),
            )
            for channel_id, (current, following) in found.items()
        ],
    )


@router.get("/api/v1/epg/search")
def epg_search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=SEARCH_MAX_RESULTS)] = 50,
) -> GuideSearch:
    """Programmes whose title contains ``q`` (case, width and 繁/简 folded): at least
    :data:`SEARCH_MIN_CHARS` characters once folded (a title scan is not cheap), at most
    :data:`SEARCH_MAX_RESULTS` results."""
    if len(fold(q)) < SEARCH_MIN_CHARS:
        raise ApiError(400, "epg_query_too_short", {"minimum": SEARCH_MIN_CHARS})
    runtime = runtime_of(request)
    now_ms = _now_ms()
    with runtime.db.session() as session:
        found = search(session, q, [c.tvg_id for c in runtime.lineup()], limit)
    return GuideSearch(query=q, programmes=[_programme(runtime, entry, now_ms) for entry in found])


@router.get("/api/v1/epg/{channel}")
def epg_channel(
    request: Request,
    channel: str,
    day: Annotated[date | None, Query(alias="date", description="YYYY-MM-DD, local")] = None,
) -> GuideDay:
    """A channel's programmes for one local day (today by default)."""
    runtime = runtime_of(request)
    if channel not in runtime.channels:
        raise ApiError(404, "channel_not_found", {"channel": channel})
    zone = ZoneInfo(runtime.settings.timezone)
    local_day = day or datetime.now(zone).date()
    start = datetime(local_day.year, local_day.month, local_day.day, tzinfo=zone)
    from_ms = int(start.timestamp()) * 1000
    until_ms = int((start + timedelta(days=1)).timestamp()) * 1000
    now_ms = _now_ms()
    with runtime.db.session() as session:
        entries = schedule(session, channel, from_ms, until_ms)
    return GuideDay(
        channel=channel,
        date=local_day.isoformat(),
        timezone=runtime.settings.timezone,
        programmes=[_programme(runtime, entry, now_ms) for entry in entries],
    )


def xmltv_document(runtime: Runtime, catchup_ids: bool) -> bytes:
    """The XMLTV export, from the process's cache (``epg.export_cache``)."""
    return _export(runtime, catchup_ids).xml


def export_cache(runtime: Runtime) -> ExportCache:
    """This process's cache of the XMLTV export (one per runtime)."""
    cache = _CACHES.get(runtime)
    return cache if cache is not None else _CACHES.setdefault(runtime, ExportCache())


def _export(runtime: Runtime, catchup_ids: bool) -> Export:
    cache = export_cache(runtime)
    lineup = tuple(
        (c.tvg_id, c.name_zh, c.name_en, c.logo, c.catchup_days) for c in runtime.lineup()
    )
    with runtime.db.session() as session:
        stamp = tuple(session.execute(select(func.count(), func.max(Programme.id))).one())
    key = (lineup, stamp)
    return cache.get(catchup_ids, key, lambda: _make_xmltv(runtime, catchup_ids))


def _make_xmltv(runtime: Runtime, catchup_ids: bool) -> bytes:
    channels = runtime.lineup()
    keep_days = max((c.catchup_days for c in channels), default=0)
    since_ms = _now_ms() - max(1, keep_days) * DAY_MS
    with runtime.db.session() as session:
        entries = programmes_between(session, [c.tvg_id for c in channels], since_ms)
    out = io.BytesIO()
    write_xmltv(
        out,
        (
            XmltvChannel(
                c.tvg_id, (c.name_zh, c.name_en) if c.name_en != c.name_zh else (c.name_zh,), c.logo
            )
            for c in channels
        ),
        (entry.as_xmltv() for entry in entries),
        catchup_ids=catchup_ids,
    )
    return out.getvalue()


@router.get("/xmltv.xml")
def xmltv(
    request: Request, catchup_id: Annotated[bool, Query(alias="catchup-id")] = False
) -> Response:
    """The guide of every channel, past programmes kept for the archive window; made again
    when the guide or the lineup changes, else at most every ``export_cache.TTL_S``."""
    body = xmltv_document(runtime_of(request), catchup_id)
    return Response(body, media_type="application/xml")


@router.get("/xmltv.xml.gz")
def xmltv_gz(
    request: Request, catchup_id: Annotated[bool, Query(alias="catchup-id")] = False
) -> Response:
    body = _export(runtime_of(request), catchup_id).gz
    return Response(body, media_type="application/gzip")


@router.get("/playlist.m3u")
async def playlist_m3u(request: Request, mode: CatchupMode = CatchupMode.DEFAULT) -> Response:
    """Every enabled channel that plays from these unsigned URLs, for VLC, Kodi and IPTV apps
    (``mode`` picks the catch-up style): the whole lineup while the platform is open, else the
    free-to-air channels — households get theirs from ``get.php`` with their login."""
    runtime = runtime_of(request)
    base = runtime.settings.base_url
    options = M3uOptions(base_url=base, mode=mode, xmltv_url=f"{base}/xmltv.xml")
    lineup = runtime.lineup()
    playable = lineup if runtime.access.open else [c for c in lineup if c.open_to_all]
    body = render_m3u(playable, options)
    return Response(body, media_type="audio/x-mpegurl")
