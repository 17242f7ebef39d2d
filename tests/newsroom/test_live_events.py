"""Live events on temporary channels (ADR 0025), through the API on SQLite and PostgreSQL:
a source checked by the live plane's parser; the channel made by publication and only by
it; out of every lineup listing; public through the one gate while the story is published,
off at once when it is unpublished or taken down. The recorder itself: test_event_recording.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tests.newsroom.conftest import (
    CHEAP,
    CHENGDU,
    JINJIANG,
    PASSWORD,
    PROVINCE,
    STAFF,
    Client,
    Newsroom,
    _urls,
)
from tests.newsroom.households import PASSWORD as HOUSEHOLD_PASSWORD
from tests.newsroom.households import household
from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.db.models import Channel
from yunjin.live.channels import (
    ChannelError,
    ChannelSpec,
    ChannelView,
    set_enabled,
    set_free_to_air,
)
from yunjin.newsroom import demo
from yunjin.newsroom.console_forms import content_from_form
from yunjin.newsroom.content import Kind, LiveEvent, parse_details
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.live_events import LEAD, NUMBER_BASE, TAIL
from yunjin.newsroom.staff import grant
from yunjin.newsroom.stories import publish_due
from yunjin.newsroom.tenants import add_tenant
from yunjin.newsroom.zones import zone_page
from yunjin.runtime import Runtime
from yunjin.subscribers import passwords
from yunjin.subscribers.regions import seed_regions

SRC = Path(__file__).resolve().parents[2] / "src" / "yunjin"
TESTSRC = "testsrc:?size=320x180&rate=25&kbps=200"


def _window(**details: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"starts_at": now, "ends_at": now + 3600, **details}


# -- the source (pure) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        TESTSRC,
        "udp://@239.1.1.9:5000",
        "srt://10.0.0.5:9000?mode=caller",
        "rtmp://live.example.cn/app/key",
        "https://cdn.example.cn/event/index.m3u8",
    ],
)
def test_a_source_the_live_plane_records_from(source: str) -> None:
    event = parse_details(Kind.LIVE_EVENT, _window(source=f"  {source} "))
    assert isinstance(event, LiveEvent)
    assert (event.source, event.channel) == (source, "")


@pytest.mark.parametrize(
    ("details", "code"),
    [
        (_window(source="/srv/media/film.ts"), "newsroom_bad_source"),  # a file of the server
        (_window(source="file:///etc/passwd"), "newsroom_bad_source"),
        (_window(source="ftp://example.cn/x"), "newsroom_bad_source"),
        (_window(source="udp://239.1.1.1"), "newsroom_bad_source"),  # no port
        (_window(source="testsrc:?size=7x7"), "newsroom_bad_source"),
        (_window(source="rtmp://a b/c"), "newsroom_bad_source"),
        (_window(source=12), "newsroom_bad_detail"),
        (_window(), "newsroom_event_channel_or_source"),  # neither
        (_window(channel="CDTV1.cn", source=TESTSRC), "newsroom_event_channel_or_source"),
    ],
)
def test_a_source_refused_says_why_in_both_languages(details: dict[str, Any], code: str) -> None:
    with pytest.raises(NewsroomError) as refused:
        parse_details(Kind.LIVE_EVENT, details)
    assert refused.value.code == code
    messages = refused.value.messages()
    assert messages["en"]
    assert any("\u4e00" <= c <= "\u9fff" for c in messages["zh-CN"])


def test_the_consoles_form_takes_a_source_when_no_channel_is_chosen() -> None:
    form = {
        "title": "村晚直播",
        "channel": "",  # 使用下方信号源的临时频道
        "source": TESTSRC,
        "starts_at": "2026-12-31T19:30",
        "ends_at": "2026-12-31T22:00",
    }
    content = content_from_form(Kind.LIVE_EVENT, form, "Asia/Shanghai")
    assert isinstance(content.details, LiveEvent)
    assert (content.details.channel, content.details.source) == ("", TESTSRC)
    assert content.details.starts_at == datetime(2026, 12, 31, 11, 30, tzinfo=UTC)
    with pytest.raises(NewsroomError) as both_given:
        content_from_form(Kind.LIVE_EVENT, {**form, "channel": "CDTV1.cn"}, "Asia/Shanghai")
    assert both_given.value.code == "newsroom_event_channel_or_source"


def test_event_tvg_ids_are_reserved_for_events() -> None:
    with pytest.raises(ValidationError, match="live events"):
        ChannelSpec(tvg_id="event-12", number=5, name_zh="x", name_en="x", source=TESTSRC)
    ChannelSpec(tvg_id="event-final.cn", number=5, name_zh="x", name_en="x", source=TESTSRC)


# -- through the API -------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def room(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Newsroom]:
    tmp = tmp_path_factory.mktemp("live-events")
    urls = _urls(request, tmp)
    url = next(urls)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", lambda: CHEAP)
        settings = load_settings(
            data_dir=tmp,
            record=False,
            database_url=url,
            token_secret="event-secret",
            xtream_username="operator",
            xtream_password="operator-pass",
            source_allowed_networks=["239.0.0.0/8"],  # the head-end's multicast (#12)
        )
        app = create_app(settings)
        with app.state.runtime.db.session() as session:
            for code in (PROVINCE, CHENGDU, JINJIANG):
                add_tenant(session, code)
            for username in ("lina", "wang", "zhao", "chen"):
                for tenant, role in STAFF[username]:
                    grant(session, username, tenant, role, password=PASSWORD)
            session.add(
                Channel(
                    tvg_id="CDTV1.cn",
                    number=11,
                    name_zh="成都新闻",
                    name_en="CDTV",
                    source_url="udp://@239.1.1.1:5000",
                )
            )
        room = Newsroom(Client(app))
        for username in ("lina", "wang", "zhao", "chen"):
            room.tokens[username] = room.login(username).json()["session"]
        yield room
    app.state.runtime.db.close()
    next(urls, None)


def _runtime(room: Newsroom) -> Runtime:
    runtime: Runtime = room.client.app.state.runtime
    runtime.refresh_catalog()  # what the serve loop does every CATALOG_POLL
    return runtime


def _event(room: Newsroom, title: str, **details: Any) -> int:
    return room.story("lina", kind="live_event", title=title, details=_window(**details))


def _channel(room: Newsroom, story: int) -> Channel | None:
    with room.client.app.state.runtime.db.session() as session:
        found = session.scalar(select(Channel).where(Channel.event_story_id == story))
        if found is not None:
            session.expunge(found)
        return found


def _play(room: Newsroom, who: dict[str, str], channel: str, **body: Any) -> Any:
    return room.client.request(
        "POST", "/api/v1/play", json={"channel": channel, **body}, headers=who
    )


def test_publication_makes_the_channel_and_only_publication(room: Newsroom) -> None:
    story = _event(room, "县人代会开幕直播", source=TESTSRC)
    assert _channel(room, story) is None  # a draft has none
    room.act("lina", story, "submit")
    room.act("wang", story, "approve")
    assert _channel(room, story) is None  # nor a story in review
    room.act("zhao", story, "approve")
    room.act("chen", story, "approve")
    channel = _channel(room, story)
    assert channel is not None
    window = room.ok("lina", "GET", f"/stories/{story}")["live_version"]["details"]
    assert (channel.tvg_id, channel.number) == (f"event-{story}", NUMBER_BASE + story)
    assert (channel.source_url, channel.name_zh, channel.enabled) == (
        TESTSRC,
        "县人代会开幕直播",
        True,
    )
    assert channel.on_air_from is not None
    assert channel.on_air_until is not None
    assert _seconds(channel.on_air_from) == window["starts_at"] - LEAD.total_seconds()
    assert _seconds(channel.on_air_until) == window["ends_at"] + TAIL.total_seconds()
    view = _runtime(room).channels[f"event-{story}"]
    assert view.public_event
    assert not view.in_lineup
    assert view.records_at(window["starts_at"] * 1000)
    assert not view.records_at((window["ends_at"] + TAIL.total_seconds()) * 1000)

    # a correction changes the channel only once it has passed review again
    room.act("lina", story, "correct")
    later = _window(source="udp://@239.9.9.9:6000")
    later["starts_at"] += 7200
    later["ends_at"] += 7200
    room.ok("lina", "PATCH", f"/stories/{story}", {"details": later})
    room.act("lina", story, "submit")
    still = _channel(room, story)
    assert still is not None
    assert (still.source_url, still.enabled) == (TESTSRC, True)
    for who in ("wang", "zhao", "chen"):
        room.act(who, story, "approve")
    moved = _channel(room, story)
    assert moved is not None
    assert moved.source_url == "udp://@239.9.9.9:6000"
    assert _seconds(moved.on_air_from) == later["starts_at"] - LEAD.total_seconds()
    assert (moved.tvg_id, moved.number) == (f"event-{story}", NUMBER_BASE + story)


def test_the_public_sees_the_channel_never_the_source(room: Newsroom) -> None:
    story = _event(room, "龙舟赛直播", source="rtmp://ingest.example.cn/live/secret-key")
    room.publish(story)
    shown = room.ok(None, "GET", f"/api/v1/zones/{JINJIANG}/stories/{story}")
    assert shown["details"]["channel"] == f"event-{story}"
    assert shown["details"]["temporary"] is True
    for path in (
        f"/api/v1/zones/{JINJIANG}",
        f"/api/v1/zones/{CHENGDU}",
        f"/api/v1/zones/{JINJIANG}/stories/{story}",
        f"/feeds/{JINJIANG}.json",
        f"/feeds/{JINJIANG}.rss",
        f"/feeds/{JINJIANG}/ninjs.json",
        f"/feeds/stories/{story}.ninjs.json",
    ):
        answer = room.client.request("GET", path)
        assert answer.status_code == 200, (path, answer.text)
        assert "secret-key" not in answer.text, path
        assert f"event-{story}" in answer.text, path
    # the staff see where it comes from
    staff = room.ok("lina", "GET", f"/stories/{story}")
    assert staff["live_version"]["details"]["source"].endswith("secret-key")


def test_a_live_event_names_a_lineup_channel_not_another_events(room: Newsroom) -> None:
    story = _event(room, "有临时频道的活动", source=TESTSRC)
    room.publish(story)
    body = {"kind": "live_event", "title": "借用频道", "details": _window(channel=f"event-{story}")}
    assert room.refused("lina", "POST", f"/tenants/{JINJIANG}/stories", body) == (
        404,
        "newsroom_channel_not_found",
    )
    db = room.client.app.state.runtime.db
    with db.session() as session, pytest.raises(ChannelError, match="newsroom"):
        set_enabled(session, f"event-{story}", False)


def test_public_without_a_package_while_published(room: Newsroom) -> None:
    who = household(room, "evt-home-1", JINJIANG)  # no product at all
    story = _event(room, "元宵晚会直播", source=TESTSRC)
    regular = _event(room, "晚会在成都新闻频道", channel="CDTV1.cn")
    room.publish(story)
    room.publish(regular)
    _runtime(room)
    channel = f"event-{story}"
    live = _play(room, who, channel)
    assert live.status_code == 200, live.text
    path = urlsplit(live.json()["url"]).path
    assert path.endswith(f"/hls/{channel}/index.m3u8")
    assert "/l/" in path
    # a leased playlist asks the gate again: no segment yet, but not refused
    assert room.client.request("GET", path).status_code == 404
    start = int(time.time()) - 60
    catchup = _play(room, who, channel, start=start, duration=60)
    assert catchup.status_code == 200, catchup.text
    assert catchup.json()["url"].endswith(f"/hls/{channel}/archive-{start}-60.m3u8")
    # a lineup channel named by a live event still needs its package
    refused = _play(room, who, "CDTV1.cn")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_subscribed")

    room.act("zhao", story, "unpublish")  # off at once: the next catalog poll
    channel_row = _channel(room, story)
    assert channel_row is not None
    assert not channel_row.enabled
    runtime = _runtime(room)
    assert not runtime.channels[channel].public_event
    assert not runtime.channels[channel].records_at(int(time.time() * 1000))
    gone = _play(room, who, channel)
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "channel_not_found")
    assert room.client.request("GET", path).status_code == 403  # the running lease: refused


def test_a_scheduled_event_gets_its_channel_when_the_scheduler_publishes_it(
    room: Newsroom,
) -> None:
    later = int(time.time()) + 3600
    story = room.story(
        "lina",
        kind="live_event",
        title="明晚的音乐会",
        details={"source": TESTSRC, "starts_at": later, "ends_at": later + 7200},
    )
    room.act("lina", story, "submit")
    room.act("wang", story, "approve")
    room.act("zhao", story, "approve")
    room.act("zhao", story, "schedule", publish_at=int(time.time()) + 600)
    assert room.act("chen", story, "approve")["state"] == "scheduled"
    assert _channel(room, story) is None  # not before it is published
    with room.client.app.state.runtime.db.session() as session:
        assert publish_due(session, datetime.now(UTC) + timedelta(minutes=11)) == [story]
    channel = _channel(room, story)
    assert channel is not None
    assert channel.enabled
    # published, but its window is an hour away: made, not yet on air
    view = _runtime(room).channels[f"event-{story}"]
    status = room.ok(None, "GET", f"/api/v1/channels/event-{story}")
    assert (status["state"], status["event_story"]) == ("off_air", story)
    assert not view.records_at(int(time.time() * 1000))
    assert view.records_at((later - LEAD.total_seconds() + 1) * 1000)


def test_takedown_switches_it_off(room: Newsroom) -> None:
    who = household(room, "evt-home-2", JINJIANG)
    story = _event(room, "被撤下的直播", source=TESTSRC)
    room.publish(story)
    _runtime(room)
    assert _play(room, who, f"event-{story}").status_code == 200
    room.act("chen", story, "takedown", comment="信号源有误")
    _runtime(room)
    assert _play(room, who, f"event-{story}").status_code == 404
    assert (
        room.client.request("GET", f"/api/v1/zones/{JINJIANG}/stories/{story}").status_code == 404
    )


def test_not_in_any_lineup_listing(room: Newsroom) -> None:
    story = _event(room, "不进节目表的直播", source=TESTSRC)
    room.publish(story)
    household(room, "evt-home-3", JINJIANG)
    with room.client.app.state.runtime.db.session() as session:  # so /playlist.m3u lists it
        set_free_to_air(session, "CDTV1.cn", True)
    runtime = _runtime(room)
    channel = f"event-{story}"
    assert channel in runtime.channels
    now = int(time.time())
    xc = f"username=evt-home-3&password={HOUSEHOLD_PASSWORD}"
    for path in (
        "/playlist.m3u",
        "/playlist.m3u?mode=xc",
        "/xmltv.xml",
        "/api/v1/channels",
        "/api/v1/epg/now",
        f"/api/v1/portal/guide?start={now}&hours=1",
        f"/player_api.php?{xc}&action=get_live_streams",
        f"/player_api.php?{xc}&action=get_live_categories",
        f"/get.php?{xc}&type=m3u_plus&output=ts",
        "/xmltv.php?username=operator&password=operator-pass",
    ):
        answer = room.client.request("GET", path)
        assert answer.status_code == 200, (path, answer.text)
        assert channel not in answer.text, path
        assert "直播活动" not in answer.text, path  # its group neither
        if "categories" not in path:
            assert (
                "CDTV1.cn" in answer.text or '"11"' in answer.text or "成都新闻" in answer.text
            ), path
    # nor reached by number, as an Xtream stream id
    number = NUMBER_BASE + story
    assert (
        room.client.request("GET", f"/live/evt-home-3/{HOUSEHOLD_PASSWORD}/{number}.ts").status_code
        == 404
    )
    # its own status stays readable for the operator
    assert room.client.request("GET", f"/api/v1/channels/{channel}").json()["event_story"] == story


def test_no_listing_reads_the_playback_catalog() -> None:
    """Every listing goes through ``Runtime.lineup()``: no module iterates
    ``runtime.channels`` itself (lookups by id are playback, and allowed)."""
    for area in ("api", "portal", "interop", "epg"):
        for module in (SRC / area).glob("*.py"):
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                called = node.func
                values = isinstance(called, ast.Attribute) and called.attr == "values"
                listed = isinstance(called, ast.Name) and called.id in ("list", "sorted")
                subject = called.value if values else node.args[0] if listed and node.args else None
                if isinstance(called, ast.Attribute) and values:
                    subject = called.value
                assert subject is None or not ast.unparse(subject).endswith("runtime.channels"), (
                    module.name,
                    ast.unparse(node),
                )


def _seconds(moment: datetime | None) -> float:
    assert moment is not None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.timestamp()


def test_the_demo_streams_an_event_on_its_own_channel(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    now = datetime.now(UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", lambda: CHEAP)
        with db.session() as session:
            seed_regions(session)
        for _ in range(2):  # a restarted demo adds nothing twice
            demo.ensure_demo_newsroom(
                db, now, live_channel=None, video_asset=None, event_source=demo.EVENT_SOURCE
            )
    with db.session() as session:
        channels = list(session.scalars(select(Channel)))
        assert len(channels) == 1
        channel = channels[0]
        page = zone_page(session, demo.WUHOU, now)
    (event,) = [s for s in page["stories"] if s["kind"] == "live_event"]
    assert event["title"] == demo.EVENT_TITLE
    assert event["details"]["channel"] == channel.tvg_id == f"event-{event['id']}"
    view = ChannelView.of(channel)
    assert view.public_event
    assert view.records_at(int(now.timestamp() * 1000))  # on air now
    db.close()
