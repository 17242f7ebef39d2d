"""The media centres' zones in the portals, in headless Chromium: on TV by keys only (home →
新闻 → 成都 → 锦江 → a live event's channel and a news story's video; a notice paged at ten
feet; a service's QR code for the phone), on the phone by touch (资讯, a service's call and
link, a news video in the page player, a story opened from the QR code's link).

The demo's newsroom is seeded into the running portal server's database, with a newsroom
clip ingested through the command line and transcoded by the server's own worker.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.conftest import Server, yunjin
from tests.helpers import wait_for
from tests.portal.conftest import WAIT_MS
from tests.portal.test_tv import _phone, _playing, _press
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.newsroom import demo
from yunjin.vod.demo import Clip, make_clip

LIVE_CHANNEL = "N.cn"  # 13 新闻频道 in the portal server
# a household of its own, with no package at all: the zones and their video are public
# (and the shared household's five devices are taken by the other phone tests)
ACCOUNT, PASSWORD = "hh-zones", "zones-pass-1"
CLIP = Clip("testsrc2", "320x180", 12, 523)


def _story_id(base: str, zone: str, title: str) -> int:
    page = httpx.get(f"{base}/api/v1/zones/{zone}", timeout=10).json()
    return int(next(s["id"] for s in page["stories"] if s["title"] == title))


@pytest.fixture(scope="module")
def zones(portal_server: Server) -> dict[str, int]:
    """The demo newsroom in the portal server, its news clip ready to play."""
    data = portal_server.data
    path = make_clip(ffmpeg_binary(), CLIP, data / "newsroom-clip.mp4")
    done = yunjin(
        data, "vod", "ingest", str(path), "--title", "nr-test-clip", "--title-zh", "新闻短片",
        env={"COLUMNS": "300"},
    )  # fmt: skip
    found = re.search(r"媒资 ([a-z0-9]+)", done.stdout)
    assert found, done.stdout
    yunjin(data, "household", "add", ACCOUNT, "--region", "510104", "--password", PASSWORD)
    db = Database(load_settings(data_dir=data).database)
    try:
        demo.ensure_demo_newsroom(
            db,
            datetime.now(UTC),
            live_channel=LIVE_CHANNEL,
            video_asset=found.group(1),
            event_source=demo.EVENT_SOURCE,  # Wuhou's event, on a temporary channel
        )
    finally:
        db.close()
    base = portal_server.base
    ids = {
        "news": _story_id(base, demo.JINJIANG, "锦江区今冬供暖启动"),
        "notice": _story_id(base, demo.JINJIANG, "关于做好 2026 年冬季供暖工作的通告"),
        "service": _story_id(base, demo.JINJIANG, "锦江区人民医院预约挂号"),
        "event": _story_id(base, demo.WUHOU, demo.EVENT_TITLE),
    }
    video = f"{base}/api/v1/zones/{demo.JINJIANG}/stories/{ids['news']}/video"
    wait_for(
        lambda: httpx.post(video, timeout=10).status_code == 200, 120, "the news clip to be ready"
    )
    return ids


def _screen_is(page: Any, name: str) -> None:
    page.wait_for_function("n => window.yunjin.stack().at(-1) === n", arg=name, timeout=WAIT_MS)


def _title_is(page: Any, selector: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => document.querySelector(s)?.textContent === t",
        arg=[selector, text],
        timeout=WAIT_MS,
    )


def _open_zone_tile(page: Any, rights: int) -> None:
    """Home → the zone row (点播, 新闻, 政务, 生活服务 …) → the tile ``rights`` to the right."""
    _press(page, "ArrowDown", "ArrowDown", *["ArrowRight"] * rights, "Enter")
    _screen_is(page, "zones")
    _title_is(page, "#zones-title", "四川省融媒体")


def _into(page: Any, code: str, title: str) -> None:
    """On the focused place tile: move right to ``code`` and open it."""
    for _ in range(6):
        if page.get_attribute("#zones-places .tile.focused", "data-code") == code:
            break
        _press(page, "ArrowRight")
    assert page.get_attribute("#zones-places .tile.focused", "data-code") == code
    _press(page, "Enter")
    _title_is(page, "#zones-title", title)


def _focus_item(page: Any, kind: str) -> str:
    """Down the story list to the first story of ``kind``; its title."""
    page.wait_for_selector("#zones-list .zone-item.focused")
    for _ in range(12):
        if page.get_attribute("#zones-list .zone-item.focused", "data-kind") == kind:
            return str(page.text_content("#zones-list .zone-item.focused .name"))
        _press(page, "ArrowDown")
    raise AssertionError(f"no {kind} in the list")


def test_news_by_keys_a_live_event_and_a_video(tv: Any, zones: dict[str, int], shots: Path) -> None:
    _open_zone_tile(tv, 1)  # 新闻
    tv.wait_for_selector("#zones-places .tile.focused")
    tv.screenshot(path=shots / "tv-zones-front.png")
    _into(tv, demo.CHENGDU, "成都市融媒体中心")
    _into(tv, demo.JINJIANG, "锦江区融媒体中心")
    assert "四川省融媒体 › 成都市融媒体中心" in (tv.text_content("#zones-trail") or "")
    tv.screenshot(path=shots / "tv-zones-section.png")
    # a live event jumps to its channel; Back returns to the event
    _focus_item(tv, "live_event")
    _press(tv, "Enter")
    _screen_is(tv, "zoneStory")
    tv.wait_for_selector("#zs-action.focused")
    assert "13 新闻频道" in (tv.text_content("#zs-action") or "")
    _press(tv, "Enter")
    _playing(tv, LIVE_CHANNEL, "live")
    _press(tv, "Escape")  # the banner first, then the screen
    if tv.evaluate("window.yunjin.stack().at(-1)") == "watch":
        _press(tv, "Escape")
    _screen_is(tv, "zoneStory")
    tv.wait_for_function("!window.yunjin.player.current", timeout=WAIT_MS)
    _press(tv, "Escape")
    _screen_is(tv, "zones")
    # the news story with its video, full screen
    assert _focus_item(tv, "news") == "锦江区今冬供暖启动"
    _press(tv, "Enter")
    _title_is(tv, "#zs-title", "锦江区今冬供暖启动")
    tv.wait_for_selector("#zs-action.focused")
    tv.screenshot(path=shots / "tv-zones-news.png")
    _press(tv, "Enter")
    _screen_is(tv, "zoneWatch")
    tv.wait_for_function(
        """() => {
            const p = window.yunjin.player, v = document.getElementById('video');
            return p.mode === 'news' && !v.paused && v.readyState >= 3 && v.currentTime > 1;
        }""",
        timeout=WAIT_MS,
    )
    assert tv.text_content("#zone-bar-title") == "锦江区今冬供暖启动"
    tv.screenshot(path=shots / "tv-zones-video.png")
    # Back: the story, the section, the zone, the front page, home
    _press(tv, "Escape")
    _screen_is(tv, "zoneStory")
    assert tv.evaluate("window.yunjin.player.current") is None
    _press(tv, "Escape")
    _title_is(tv, "#zones-title", "锦江区融媒体中心")
    _press(tv, "Escape")
    _title_is(tv, "#zones-title", "成都市融媒体中心")
    _press(tv, "Escape")
    _title_is(tv, "#zones-title", "四川省融媒体")
    _press(tv, "Escape")
    _screen_is(tv, "home")


def test_a_live_event_on_its_own_channel_plays_without_its_package(
    tv: Any, portal_server: Server, zones: dict[str, int], shots: Path
) -> None:
    """Wuhou's event is on a temporary channel: in no package of the box's household and in
    no guide, it plays live from the story all the same (ADR 0025)."""
    channel = f"event-{zones['event']}"
    portal_server.wait_segments(channel, 3)  # the server's catalog follow records it
    listed = tv.evaluate("window.yunjin.state.channels.map((c) => c.id)")
    assert listed
    assert channel not in listed
    _open_zone_tile(tv, 1)  # 新闻
    _into(tv, demo.CHENGDU, "成都市融媒体中心")
    _into(tv, demo.WUHOU, "武侯区融媒体中心")
    assert _focus_item(tv, "live_event") == demo.EVENT_TITLE
    _press(tv, "Enter")
    _screen_is(tv, "zoneStory")
    tv.wait_for_selector("#zs-action.focused")
    assert "活动直播" in (tv.text_content("#zs-action") or "")
    _press(tv, "Enter")
    _playing(tv, channel, "live")
    tv.screenshot(path=shots / "tv-zones-event-channel.png")


def test_a_notice_pages_down_at_ten_feet(tv: Any, zones: dict[str, int], shots: Path) -> None:
    _open_zone_tile(tv, 2)  # 政务
    assert tv.get_attribute("#zones-tabs .tab.selected", "data-group") == "gov"
    _into(tv, demo.CHENGDU, "成都市融媒体中心")
    _into(tv, demo.JINJIANG, "锦江区融媒体中心")
    assert _focus_item(tv, "notice") == "关于做好 2026 年冬季供暖工作的通告"
    _press(tv, "Enter")
    _screen_is(tv, "zoneStory")
    tv.wait_for_function(
        "/^第 1\\/[2-9] 页$/.test(document.getElementById('zs-page').textContent)",
        timeout=WAIT_MS,
    )
    facts = tv.text_content("#zs-facts") or ""
    assert "锦江区人民政府" in facts
    assert "锦府发〔2026〕12号" in facts
    assert "至" in facts  # the validity, from … to …
    assert tv.get_attribute("#zs-body", "class") == "story-body focused"
    tv.screenshot(path=shots / "tv-zones-notice.png")
    pages = int(str(tv.text_content("#zs-page")).split("/")[1].split()[0])
    _press(tv, "ArrowDown")
    _title_is(tv, "#zs-page", f"第 2/{pages} 页")
    assert tv.evaluate("document.getElementById('zs-body').scrollTop") > 200
    tv.screenshot(path=shots / "tv-zones-notice-page2.png")
    _press(tv, *["ArrowDown"] * pages)  # past the end stays on the last page
    _title_is(tv, "#zs-page", f"第 {pages}/{pages} 页")
    _press(tv, "ArrowUp")
    _title_is(tv, "#zs-page", f"第 {pages - 1}/{pages} 页")
    # the other tabs from the list: up to the tabs, right to 生活服务
    _press(tv, "Escape")
    _screen_is(tv, "zones")
    _press(tv, "ArrowUp", "ArrowUp", "ArrowUp")
    tv.wait_for_selector("#zones-tabs .tab.focused")
    _press(tv, "ArrowRight")
    tv.wait_for_selector("#zones-tabs .tab.focused[data-group='services']")
    assert tv.query_selector("#zones-list .zone-item[data-kind='service']") is not None
    assert tv.query_selector("#zones-list .zone-item[data-kind='notice']") is None


def test_a_service_shows_its_qr_code_for_the_phone(
    tv: Any, zones: dict[str, int], shots: Path
) -> None:
    _open_zone_tile(tv, 3)  # 生活服务
    _into(tv, demo.CHENGDU, "成都市融媒体中心")
    _into(tv, demo.JINJIANG, "锦江区融媒体中心")
    for _ in range(6):
        if _focus_item(tv, "service") == "锦江区人民医院预约挂号":
            break
        _press(tv, "ArrowDown")
    _press(tv, "Enter")
    _title_is(tv, "#zs-title", "锦江区人民医院预约挂号")
    tv.wait_for_selector("#zs-qr svg")
    url = tv.get_attribute("#zs-qr", "data-url") or ""
    assert url.endswith(f"/m#story={demo.JINJIANG}/{zones['service']}")
    facts = tv.text_content("#zs-facts") or ""
    assert "医疗卫生" in facts
    assert "028-6000 2120" in facts
    assert tv.get_attribute("#zs-body", "class") == "story-body focused"
    tv.screenshot(path=shots / "tv-zones-service.png")


def test_the_phone_reads_the_zones_by_touch(
    browser: Any, portal_server: Server, zones: dict[str, int], shots: Path
) -> None:
    page = _phone(browser)
    page.goto(f"{portal_server.base}/m")
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#login-account", ACCOUNT)
    page.fill("#login-password", PASSWORD)
    page.tap("#login-submit")
    page.wait_for_selector("#app:not([hidden])")
    page.tap("#tab-zones")
    page.wait_for_selector("#zones-places button[data-code='510100']")
    page.tap("#zones-places button[data-code='510100']")
    page.tap("#zones-places button[data-code='510104']")
    page.wait_for_selector("#zones-trail button[data-code='510104']")
    page.tap("#zones-groups button[data-group='services']")
    page.tap(f"#zones-list li[data-story='{zones['service']}']")
    page.wait_for_selector("#zone-story:not([hidden])")
    assert page.text_content("#mz-title") == "锦江区人民医院预约挂号"
    assert page.get_attribute("#mz-actions a[href^='tel:']", "href") == "tel:028-6000 2120"
    assert page.get_attribute("#mz-actions a[target]", "href") == (
        "https://example.org/jinjiang/hospital"
    )
    page.screenshot(path=shots / "m-zones-service.png")
    page.tap("#mz-close")
    page.tap("#zones-groups button[data-group='news']")
    page.tap(f"#zones-list li[data-story='{zones['news']}']")
    # the story's poll: one vote, then the results
    page.wait_for_selector("#mz-poll:not([hidden]) button[data-option]")
    assert page.text_content("#mz-poll-question") == "您家的暖气温度合适吗？"
    page.tap("#mz-poll-options button:nth-child(2)")
    page.wait_for_function(
        "document.getElementById('mz-poll-note').textContent === '您已投票'", timeout=WAIT_MS
    )
    assert "1 票" in (page.text_content("#mz-poll-options button.mine") or "")
    # a comment waits for an editor (pre-moderation is the default)
    page.fill("#mz-comment-text", "希望早点供暖")
    page.tap("#mz-comment-send")
    page.wait_for_function(
        "document.querySelector('#mz-comment-list li[data-comment]')?.textContent"
        ".includes('审核中')",
        timeout=WAIT_MS,
    )
    assert page.text_content("#mz-comment-note") == "评论已提交，审核通过后公开"
    page.screenshot(path=shots / "m-zones-news.png", full_page=True)
    page.tap("#mz-actions button[data-action='video']")
    page.wait_for_function(
        """() => {
            const p = window.yunjin.player, v = document.getElementById('video');
            return p.mode === 'news' && !v.paused && v.readyState >= 3 && v.currentTime > 1;
        }""",
        timeout=WAIT_MS,
    )
    assert page.text_content("#np-channel") == "锦江区今冬供暖启动"
    page.screenshot(path=shots / "m-zones-video.png")
    page.evaluate("window.yunjin.player.stop()")
    # Wuhou's event on its own channel: this household has no package at all
    channel = f"event-{zones['event']}"
    portal_server.wait_segments(channel, 3)
    page.goto(f"{portal_server.base}/m#story={demo.WUHOU}/{zones['event']}")
    page.wait_for_function(
        "t => document.getElementById('mz-title')?.textContent === t",
        arg=demo.EVENT_TITLE,
        timeout=WAIT_MS,
    )
    assert "活动直播" in (page.text_content("#mz-facts") or "")
    page.tap("#mz-actions button[data-action='live']")
    _playing(page, channel, "live")
    assert page.text_content("#np-channel") == demo.EVENT_TITLE
    page.evaluate("window.yunjin.player.stop()")
    # the TV's QR code for a notice: its link opens the story on the phone
    page.goto(f"{portal_server.base}/m#story={demo.JINJIANG}/{zones['notice']}")
    page.wait_for_function(
        "t => document.getElementById('mz-title')?.textContent === t",
        arg="关于做好 2026 年冬季供暖工作的通告",
        timeout=WAIT_MS,
    )
    assert "锦府发〔2026〕12号" in (page.text_content("#mz-facts") or "")
    # a tip (爆料) with a photo, into the household's county's queue
    photo = portal_server.data / "tip.png"
    Image.new("RGB", (64, 48), (200, 40, 40)).save(photo)
    page.tap("#zone-tip")
    page.fill("#tip-text", "东大街的路灯坏了")
    page.set_input_files("#tip-photos", str(photo))
    page.tap("#tip-send")
    page.wait_for_function(
        "document.getElementById('tip-note').textContent.startsWith('已收到您的爆料')",
        timeout=WAIT_MS,
    )
    page.screenshot(path=shots / "m-zones-tip.png")
    page.context.close()
