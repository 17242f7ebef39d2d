"""What the feeds carry: the published stories of a page, gathered once for every format.

A centre's feed holds exactly what its page shows (``zones.zone_page``): a county's
section, a prefecture's zone with its front and its sections, the province's front page
with its zones — only live versions (or a scheduled one whose time has come). A corrected
story keeps its id and gets a new ``updated`` time (when its new version went live); an
unpublished or taken-down story is simply no longer selected. The renderers
(``feed_formats``, ``ninjs``) are pure and work on the :class:`FeedItem` values built here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from yunjin.db.models import (
    NewsroomAudit,
    NewsroomStory,
    NewsroomTenant,
    NewsroomVersion,
    Region,
    VodAsset,
)
from yunjin.i18n import register
from yunjin.newsroom.content import Image, Kind
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.live_events import public_details
from yunjin.newsroom.syndication import PAGE_OF_LEVEL, PageKind
from yunjin.newsroom.terms import StoryState
from yunjin.newsroom.zones import published, zone_page
from yunjin.vod.assets import AssetState

FEED_SIZE: Final = 50
LANGUAGES: Final = ("zh-CN", "en")
HAN: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ZONE_CODE: Final = re.compile(r"^\d{6}$")

register(
    {
        "newsroom_bad_language": (
            "Unknown language {lang!r}: use zh-CN or en.",
            "语言 {lang!r} 无效：应为 zh-CN 或 en。",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Video:
    """A story's VOD asset as far as a feed may tell: its shape, and whether it plays."""

    code: str
    ready: bool = False
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One published story, as every format needs it."""

    id: int
    tenant: str
    place: tuple[str, str]  # the centre's region (en, zh-CN): where the story comes from
    source: tuple[str, str]  # the centre (en, zh-CN)
    kind: Kind
    title: str
    summary: str
    body_html: str  # sanitised when stored
    images: tuple[Image, ...]
    video: Video | None
    details: dict[str, Any]
    language: str  # the story's own: zh-CN or en
    version: int
    created: datetime  # the story's first version
    published: datetime  # first publication
    updated: datetime  # when the version shown went live


@dataclass(frozen=True, slots=True)
class Channel:
    """A feed's own description: the page it mirrors, in the reader's language."""

    code: str
    page: PageKind
    name: tuple[str, str]  # (en, zh-CN)
    lang: str  # the language asked for: labels and the feed's own texts
    updated: datetime  # the newest change that can affect the feed
    items: tuple[FeedItem, ...] = field(default_factory=tuple)

    def text(self, pair: tuple[str, str]) -> str:
        return pair[1] if self.lang == "zh-CN" else pair[0]


def parse_language(value: str | None) -> str:
    """``zh-CN`` (the default) or ``en``; anything else is refused."""
    if value is None or value == "":
        return "zh-CN"
    for known in LANGUAGES:
        if value.lower() in (known.lower(), known.split("-")[0]):
            return known
    raise NewsroomError("newsroom_bad_language", lang=value[:20])


def story_language(title: str, summary: str) -> str:
    """The language a story is written in: zh-CN when its title or summary holds Han
    characters, else en.

    Versions carry no language of their own yet; the platform's two languages are told
    apart by their scripts, in what a reader sees first (a Chinese quotation in an English
    body does not make the story Chinese).
    """
    return "zh-CN" if HAN.search(title) or HAN.search(summary) else "en"


def zone_channel(session: Session, code: str, now: datetime, lang: str) -> Channel:
    """The feed of a centre's page: the stories its page shows, newest first."""
    if not ZONE_CODE.match(code):
        raise NewsroomError("newsroom_zone_not_found", zone=code[:12])
    page = zone_page(session, code, now)
    tenant = session.get(NewsroomTenant, code)
    assert tenant is not None
    rows = _flatten(page)
    items = _items(session, rows)
    newest = max((i.updated for i in items), default=None)
    return Channel(
        code=code,
        page=PAGE_OF_LEVEL.get(tenant.level, PageKind.SECTION),
        name=(tenant.name_en, tenant.name_zh),
        lang=lang,
        updated=_seconds(_latest(last_change(session), newest, _aware(tenant.created_at))),
        items=tuple(items),
    )


def story_item(session: Session, story_id: int, now: datetime) -> FeedItem:
    """One published story (its live version), or "not found"."""
    rows = published(session, None, now, story_ids=[story_id])
    if not rows:
        raise NewsroomError("newsroom_story_not_found", story=story_id)
    return _items(session, rows)[0]


def last_change(session: Session) -> datetime | None:
    """When the newsroom last recorded anything (the newest audit row): an upper bound for
    every page's last change, removals included."""
    at = session.scalar(select(NewsroomAudit.at).order_by(NewsroomAudit.id.desc()).limit(1))
    return _aware(at)


# -- gathering -------------------------------------------------------------------------


def _flatten(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The stories a page shows anywhere (front, section, sections, zones), once each."""
    found: list[dict[str, Any]] = [*page.get("stories", []), *page.get("front", [])]
    for group in [*page.get("sections", []), *page.get("zones", [])]:
        found.extend(group["stories"])
    seen: set[int] = set()
    unique = []
    for row in sorted(found, key=lambda s: (s["published_at"] or 0, s["id"]), reverse=True):
        if row["id"] not in seen:
            seen.add(row["id"])
            unique.append(row)
    return unique[:FEED_SIZE]


def _items(session: Session, rows: Sequence[dict[str, Any]]) -> list[FeedItem]:
    if not rows:
        return []
    ids = [int(r["id"]) for r in rows]
    versions = {
        (v.story_id, v.number): v
        for v in session.scalars(
            select(NewsroomVersion).where(
                tuple_(NewsroomVersion.story_id, NewsroomVersion.number).in_(
                    [(r["id"], r["version"]) for r in rows]
                )
            )
        )
    }
    stories = {
        s.id: s for s in session.scalars(select(NewsroomStory).where(NewsroomStory.id.in_(ids)))
    }
    first = _first_publications(session, ids)
    places = _places(session, {s.tenant_code for s in stories.values()})
    videos = _videos(session, {v.video_asset for v in versions.values() if v.video_asset})
    items = []
    for row in rows:
        story = stories[row["id"]]
        shown = versions[row["id"], row["version"]]
        updated = datetime.fromtimestamp(row["published_at"], UTC)
        place, source = places[story.tenant_code]
        items.append(
            FeedItem(
                id=story.id,
                tenant=story.tenant_code,
                place=place,
                source=source,
                kind=Kind(story.kind),
                title=shown.title,
                summary=shown.summary,
                body_html=shown.body_html,
                images=tuple(Image(i["url"], i.get("caption", "")) for i in shown.images),
                video=videos.get(shown.video_asset or "")
                or (Video(shown.video_asset) if shown.video_asset else None),
                details=public_details(story.id, dict(shown.details)),
                language=story_language(shown.title, shown.summary),
                version=shown.number,
                created=_seconds(_aware(story.created_at) or updated),
                published=_seconds(min(first.get(story.id, updated), updated)),
                updated=updated,
            )
        )
    return items


def _first_publications(session: Session, ids: Iterable[int]) -> dict[int, datetime]:
    """When each story first went live (its first audit row that ends ``published``)."""
    rows = session.execute(
        select(NewsroomAudit.story_id, func.min(NewsroomAudit.at))
        .where(
            NewsroomAudit.story_id.in_(list(ids)),
            NewsroomAudit.to_state == StoryState.PUBLISHED.value,
            NewsroomAudit.recommendation_id.is_(None),
        )
        .group_by(NewsroomAudit.story_id)
    )
    return {story_id: at for story_id, at in ((s, _aware(a)) for s, a in rows) if at is not None}


def _places(
    session: Session, codes: set[str]
) -> dict[str, tuple[tuple[str, str], tuple[str, str]]]:
    tenants = session.scalars(select(NewsroomTenant).where(NewsroomTenant.code.in_(codes)))
    regions = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    found = {}
    for tenant in tenants:
        region = regions.get(tenant.code)
        place = (region.name_en, region.name_zh) if region else (tenant.name_en, tenant.name_zh)
        found[tenant.code] = (place, (tenant.name_en, tenant.name_zh))
    return found


def _videos(session: Session, codes: set[str]) -> dict[str, Video]:
    if not codes:
        return {}
    assets = session.scalars(select(VodAsset).where(VodAsset.code.in_(codes)))
    return {
        a.code: Video(
            a.code,
            ready=a.state == AssetState.READY.value,
            width=a.width,
            height=a.height,
            duration_s=a.duration_s,
        )
        for a in assets
    }


def _latest(*moments: datetime | None) -> datetime:
    present = [m for m in moments if m is not None]
    return max(present) if present else datetime.fromtimestamp(0, UTC)


def _seconds(moment: datetime) -> datetime:
    """Feeds tell time in whole seconds (as the pages' ``published_at`` does)."""
    return moment.replace(microsecond=0)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
