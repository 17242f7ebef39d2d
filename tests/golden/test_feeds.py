"""Golden newsroom feeds: RSS, Atom, JSON Feed and ninjs of a fixed page, rendered by the pure
format functions the feed routes call, and read back by feedparser, json and the ninjs schema.

Every moment is fixed (the feeds carry no "now": ``lastBuildDate`` is the page's last
change), so the bytes depend on the stories and on the renderers alone.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

import feedparser
import pytest

from tests.golden.compare import Golden, pretty_json, served_json
from tests.golden.newsroom_formats import (
    Channel,
    FeedItem,
    Image,
    Kind,
    LiveEvent,
    Notice,
    PageKind,
    Service,
    ServiceCategory,
    Video,
    check_json_feed,
    check_ninjs,
    details_json,
    feed_formats,
    ninjs,
)

BASE: Final = "https://news.example.net"
ZONE: Final = "510100"
SELF: Final = f"{BASE}/feeds/{ZONE}"
TZ: Final = ZoneInfo("Asia/Shanghai")
PLACE: Final = ("Chengdu", "成都市")
SOURCE: Final = ("Chengdu Media Centre", "成都市融媒体中心")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _item(story_id: int, kind: Kind, title: str, published: datetime, **fields: object) -> FeedItem:
    values: dict[str, object] = {
        "id": story_id,
        "tenant": ZONE,
        "place": PLACE,
        "source": SOURCE,
        "kind": kind,
        "title": title,
        "summary": "",
        "body_html": "",
        "images": (),
        "video": None,
        "details": {},
        "language": "zh-CN",
        "version": 1,
        "created": published,
        "published": published,
        "updated": published,
    }
    values.update(fields)
    return FeedItem(**values)  # type: ignore[arg-type]


ITEMS: Final = (
    _item(
        104,
        Kind.LIVE_EVENT,
        "成都马拉松直播",
        _at(18, 1),
        summary="全程直播。",
        body_html="<p>从天府广场出发。</p>",
        video=Video("gdmarathon01", ready=True, width=1920, height=1080, duration_s=9000.0),
        details=details_json(LiveEvent("CDTV3.cn", _at(22, 0), _at(22, 4, 30))),
    ),
    _item(
        103,
        Kind.SERVICE,
        "市第一人民医院预约挂号",
        _at(17, 2),
        body_html="<p>请提前一天预约。</p>",
        details=details_json(
            Service(
                ServiceCategory.MEDICAL,
                phone="028-8666 1234",
                address="青羊区东大街 1 号",
                opening_hours="8:30–17:30",
                link="https://example.org/booking",
            )
        ),
    ),
    _item(
        102,
        Kind.NOTICE,
        "关于调整自来水价格的通知",
        _at(16, 3),
        body_html="<p>自 2027 年 1 月 1 日起执行。</p>",
        details=details_json(
            Notice("成都市水务局", "成水〔2026〕12号", date(2026, 11, 16), date(2026, 12, 31))
        ),
    ),
    _item(
        101,
        Kind.NEWS,
        "Metro line 30 opens",
        _at(15, 4),
        summary="The new line links the east and the west.",
        body_html=(
            '<p>Trains run <strong>every 5 minutes</strong>. <a href="/m#zone=510100">More</a></p>'
        ),
        images=(
            Image("/api/v1/media/images/metro.jpg", "The first train"),
            Image("https://cdn.example.net/map.png"),
        ),
        language="en",
        version=3,
        updated=_at(16, 9, 30),  # corrected: same id, a later "updated"
    ),
)


def channel(lang: str) -> Channel:
    return Channel(
        code=ZONE,
        page=PageKind.ZONE,
        name=("Chengdu", "成都"),
        lang=lang,
        updated=_at(18, 1),
        items=ITEMS,
    )


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_rss(golden: Golden, lang: str) -> None:
    body = feed_formats.render_rss(BASE, f"{SELF}.rss", channel(lang), TZ)
    golden.check(f"feeds/{ZONE}-{lang}.rss", body)
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert [e.id for e in parsed.entries] == [feed_formats.story_uri(BASE, i.id) for i in ITEMS]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_atom(golden: Golden, lang: str) -> None:
    body = feed_formats.render_atom(BASE, f"{SELF}.atom", channel(lang), TZ)
    golden.check(f"feeds/{ZONE}-{lang}.atom", body)
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    news = parsed.entries[-1]
    assert news.title == "Metro line 30 opens"
    assert news.updated_parsed[:5] == (2026, 11, 16, 9, 30)


def test_json_feed(golden: Golden) -> None:
    body = feed_formats.render_json_feed(BASE, f"{SELF}.json", channel("zh-CN"), TZ)
    golden.check(f"feeds/{ZONE}.json", served_json(body))
    check_json_feed(json.loads(body))


def test_ninjs_page(golden: Golden) -> None:
    page = ninjs.render_page(BASE, f"{SELF}/ninjs.json", channel("zh-CN"), TZ)
    golden.check(f"feeds/{ZONE}.ninjs.json", pretty_json(page))
    for item in page["items"]:
        check_ninjs(item)


def test_ninjs_story(golden: Golden) -> None:
    story = ninjs.render_item(BASE, channel("en"), ITEMS[2], TZ)
    golden.check("feeds/story-102-en.ninjs.json", pretty_json(story))
    check_ninjs(story)
    assert story["altids"] == [{"role": "document-number", "value": "成水〔2026〕12号"}]
