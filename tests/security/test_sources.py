"""Channel sources as an outsider meets them: credentials that must not reach a log line,
an error, the API or the CLI (``redact_source``), and a newsroom writer's live-event
source aimed at the operator's own hosts (SSRF), refused by address unless the operator
allows the network.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Server, free_port, yunjin
from tests.helpers import run_async, wait_for
from tests.newsroom.conftest import CHEAP, PASSWORD, Client, Newsroom
from yunjin.app import create_app
from yunjin.archive.registry import Archives
from yunjin.config import load_settings
from yunjin.live.channels import ChannelView
from yunjin.live.pool import RecorderPool
from yunjin.live.recorder import RecorderConfig
from yunjin.live.source_networks import (
    SourceRefused,
    address_kind,
    check_source,
    parse_networks,
)
from yunjin.live.sources import parse_source, redact_source, redact_text
from yunjin.newsroom.staff import grant
from yunjin.newsroom.tenants import add_tenant
from yunjin.newsroom.terms import Role
from yunjin.subscribers import passwords

JINJIANG = "510104"


# -- redaction (pure) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "http://user:pa%40ss@cdn.example.cn:8080/live/index.m3u8?token=abc&live_start_index=-1",
            "http://user:***@cdn.example.cn:8080/live/index.m3u8?token=***&live_start_index=-1",
        ),
        ("https://TOKEN123@cdn.example.cn/x.m3u8", "https://***@cdn.example.cn/x.m3u8"),
        (
            "udp://@239.1.1.1:5000?fifo_size=1000000&overrun_nonfatal=1",
            "udp://@239.1.1.1:5000?fifo_size=1000000&overrun_nonfatal=1",
        ),
        (
            "srt://10.0.0.5:9000?mode=caller&passphrase=secret123&streamid=live/abc",
            "srt://10.0.0.5:9000?mode=caller&passphrase=***&streamid=***",
        ),
        ("rtmp://live.example.cn/app/secret-key", "rtmp://live.example.cn/app/***"),
        ("rtmp://live.example.cn/app", "rtmp://live.example.cn/app"),
        ("http://[::1]:80/a?key=1#sig", "http://[::1]:80/a?key=***#***"),
        ("http://h:99999/x?token=1", "http://***"),  # unreadable: only its scheme
        ("testsrc:?size=640x360", "testsrc:?size=640x360"),
        ("/srv/media/film.ts", "/srv/media/film.ts"),
    ],
)
def test_a_source_is_shown_without_its_credentials(url: str, shown: str) -> None:
    assert redact_source(url) == shown


def test_urls_in_free_text_are_redacted() -> None:
    line = (
        "[error] Error opening input file http://u:SECRET@h/a.m3u8?token=T0KEN: "
        "Server returned 403 Forbidden (access denied)"
    )
    assert redact_text(line) == (
        "[error] Error opening input file http://u:***@h/a.m3u8?token=***: "
        "Server returned 403 Forbidden (access denied)"
    )


SECRETS = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=8, max_size=24)


@settings(max_examples=200, deadline=None)
@given(secret=SECRETS, shape=st.integers(min_value=0, max_value=5))
def test_no_secret_survives_redaction(secret: str, shape: int) -> None:
    url = [
        f"http://operator:{secret}@cdn.example.cn/live.m3u8",
        f"https://{secret}@cdn.example.cn/live.m3u8",
        f"https://cdn.example.cn/live.m3u8?expires=1&token={secret}",
        f"srt://1.2.3.4:9000?mode=caller&passphrase={secret}",
        f"rtmp://ingest.example.cn/live/{secret}",
        f"http://cdn.example.cn/live.m3u8#{secret}",
    ][shape]
    assert secret not in redact_source(url)
    assert secret not in redact_text(f"[error] {url}: Connection refused")


# -- addresses a live event may reach (pure, over a fake resolver) ------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link_local"),  # cloud metadata
        ("fe80::1", "link_local"),
        ("239.1.1.1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address to refuse, not to bind
        ("10.0.0.5", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("100.64.0.1", "reserved"),  # carrier-grade NAT
        ("8.8.8.8", None),
        ("2408:8000::1", None),
    ],
)
def test_what_is_not_public(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


def resolver(table: dict[str, list[str]]) -> Any:
    def resolve(host: str) -> list[str]:
        if host not in table:
            raise OSError(-2, "Name or service not known")
        return table[host]

    return resolve


DNS = resolver(
    {
        "cdn.example.cn": ["114.114.114.114"],
        "sneaky.example.cn": ["114.114.115.115", "10.1.2.3"],  # one public, one internal
        "metadata.example.cn": ["169.254.169.254"],
        "127.0.0.1": ["127.0.0.1"],
        "239.1.1.9": ["239.1.1.9"],
    }
)


def test_every_address_a_name_resolves_to_is_checked() -> None:
    check_source(parse_source("https://cdn.example.cn/event.m3u8"), (), DNS)
    check_source(parse_source("testsrc:?size=640x360"), (), DNS)  # no host at all
    for url, address in (
        ("https://sneaky.example.cn/event.m3u8", "10.1.2.3"),
        ("http://metadata.example.cn/latest/meta-data/", "169.254.169.254"),
        ("rtmp://127.0.0.1/live/x", "127.0.0.1"),
        ("udp://@239.1.1.9:5000", "239.1.1.9"),
    ):
        with pytest.raises(SourceRefused) as refused:
            check_source(parse_source(url), (), DNS)
        assert refused.value.code == "source_not_public"
        assert refused.value.values["address"] == address
        assert refused.value.messages()["zh-CN"]
    with pytest.raises(SourceRefused) as unknown:
        check_source(parse_source("https://nowhere.example.cn/x.m3u8"), (), DNS)
    assert unknown.value.code == "source_unresolvable"


def test_the_operator_allows_a_network() -> None:
    allowed = parse_networks(["239.0.0.0/8", "10.0.0.0/8"])
    check_source(parse_source("udp://@239.1.1.9:5000"), allowed, DNS)
    check_source(parse_source("https://sneaky.example.cn/event.m3u8"), allowed, DNS)
    with pytest.raises(SourceRefused):
        check_source(parse_source("http://metadata.example.cn/"), allowed, DNS)


def test_a_source_in_a_refusal_is_redacted() -> None:
    with pytest.raises(SourceRefused) as refused:
        check_source(parse_source("http://admin:HUNTER22@127.0.0.1/x.m3u8"), (), DNS)
    assert "HUNTER22" not in str(refused.value)
    assert "HUNTER22" not in refused.value.messages()["zh-CN"]


# -- a newsroom writer's live event --------------------------------------------------------


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    tmp = tmp_path_factory.mktemp("ssrf")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", lambda: CHEAP)
        settings = load_settings(
            data_dir=tmp, record=False, source_allowed_networks=["198.18.0.0/15"]
        )
        app = create_app(settings)
        with app.state.runtime.db.session() as session:
            for code in ("510000", "510100", JINJIANG):
                add_tenant(session, code)
            grant(session, "lina", JINJIANG, Role.REPORTER, password=PASSWORD)
        newsroom = Newsroom(Client(app))
        newsroom.tokens["lina"] = newsroom.login("lina").json()["session"]
        yield newsroom
    app.state.runtime.db.close()


def event(source: str) -> dict[str, Any]:
    now = int(time.time())
    return {
        "kind": "live_event",
        "title": "龙舟赛直播",
        "body_html": "<p>直播</p>",
        "details": {"source": source, "starts_at": now, "ends_at": now + 3600},
    }


@pytest.mark.parametrize(
    "source",
    [
        "http://127.0.0.1:8000/api/v1/admin/households.m3u8",
        "http://169.254.169.254/latest/meta-data/iam.m3u8",
        "srt://10.0.0.5:9000?mode=caller",
        "udp://@239.1.1.9:5000",
        "rtmp://[::1]/live/key",
    ],
)
def test_a_live_event_aimed_at_an_internal_host_is_refused(room: Newsroom, source: str) -> None:
    answer = room.call("lina", "POST", f"/tenants/{JINJIANG}/stories", event(source))
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "source_not_public"
    assert "public addresses" in error["messages"]["en"]
    assert "公网地址" in error["messages"]["zh-CN"]


def test_public_generated_and_allowed_sources_are_taken(room: Newsroom) -> None:
    for source in (
        "testsrc:?size=640x360",
        "rtmp://1.2.4.8/live/key",
        "udp://@198.18.0.9:5000",  # a network the operator allows
        "https://encoder.example.cn/event.m3u8",  # no answer yet: the recorder decides
    ):
        answer = room.call("lina", "POST", f"/tenants/{JINJIANG}/stories", event(source))
        assert answer.status_code == 201, (source, answer.text)


def test_an_edit_cannot_aim_a_saved_event_inside(room: Newsroom) -> None:
    story = room.ok("lina", "POST", f"/tenants/{JINJIANG}/stories", event("testsrc:"))["id"]
    answer = room.call("lina", "PATCH", f"/stories/{story}", event("http://127.0.0.1:6379/"))
    assert answer.json()["error"]["code"] == "source_not_public"


# -- the recorder checks again when it starts ----------------------------------------------


def view(tvg_id: str, source: str, event_story: int | None) -> ChannelView:
    return ChannelView(
        tvg_id, 100_000 + 1, "活动", "Event", "", "", source, 1, True, event_story=event_story
    )


def test_the_recorder_never_starts_a_live_event_aimed_inside(tmp_path: Path) -> None:
    config = RecorderConfig(segment_seconds=1, ffmpeg_binary="/bin/false", cache_dir=tmp_path)
    pool = RecorderPool(Archives(tmp_path / "archive"), config, parse_networks([]))
    inside = view("event-7", "http://user:SECRET77@127.0.0.1:9/x.m3u8", event_story=7)

    async def go() -> None:
        await pool.reconcile([inside], time.time_ns() // 1_000_000)

    run_async(go())
    assert pool.recorders == {}
    assert "public addresses" in pool.refused["event-7"]
    assert "127.0.0.1" in pool.refused["event-7"]
    assert "SECRET77" not in pool.refused["event-7"]


# -- end to end: what an operator and a client of the API see ------------------------------


def test_a_sources_credentials_reach_no_log_api_or_listing(
    server_factory: type[Server], data_dir: Path
) -> None:
    closed = free_port()  # nothing listens: ffmpeg fails and says so, naming its input
    source = f"http://operator:PASSW0RDX@127.0.0.1:{closed}/live.m3u8?token=T0KENXYZ"
    yunjin(data_dir, "channel", "add", "--id", "UP2.cn", "--name", "上游", "--number", "8",
           "--source", source)  # fmt: skip
    server = server_factory(data_dir).start()

    def failed() -> dict[str, Any] | None:
        channel = server.channel("UP2.cn")
        recorder = channel.get("recorder") or {}
        return channel if recorder.get("last_error") else None

    channel = wait_for(failed, 40, "the recorder to report its source's failure")
    listed = yunjin(data_dir, "channel", "list", env={"COLUMNS": "400"}).stdout  # no wrapping
    server.stop()
    for seen, where in (
        (str(channel), "/api/v1/channels"),
        (server.output(), "the server's log"),
        (listed, "yunjin channel list"),
    ):
        assert "PASSW0RDX" not in seen, where
        assert "T0KENXYZ" not in seen, where
    assert f"127.0.0.1:{closed}" in listed
