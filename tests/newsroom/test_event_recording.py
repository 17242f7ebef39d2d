"""A live event's temporary channel for real (ADR 0025): a ``yunjin serve`` whose catalog
follow starts recording it once the story is published, a household with no package that
watches it live and afterwards as catch-up through the signed, leased URLs (decoded by
ffmpeg), none of the lineup listings showing it, and the takedown stopping the recorder
and playback within a catalog poll."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.helpers import decode, wait_for
from tests.newsroom.conftest import CHEAP
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.newsroom.staff import grant
from yunjin.newsroom.tenants import add_tenant
from yunjin.newsroom.terms import Role
from yunjin.subscribers import passwords
from yunjin.subscribers.accounts import create_household
from yunjin.subscribers.regions import seed_regions

PASSWORD = "event-rec-pass-1"
COUNTY = "510104"
SOURCE = "testsrc:?size=320x180&rate=25&kbps=200"


def _post(server: Server, path: str, body: Any = None, **headers: str) -> httpx.Response:
    return httpx.post(f"{server.base}{path}", json=body, headers=headers, timeout=10)


def _bearer(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text
    return f"Bearer {answer.json()['session']}"


def test_an_event_channel_records_plays_publicly_and_goes_dark(
    server_factory: type[Server], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (data_dir / "yunjin.toml").write_text(
        '[yunjin]\ntoken_secret = "event-recording"\nrequire_tokens = true\n', encoding="utf-8"
    )
    # argon2id with test-sized costs: the hashes carry them, so the server verifies cheaply
    monkeypatch.setattr(passwords, "_hasher", lambda: CHEAP)
    db = Database(load_settings(data_dir=data_dir).database)
    with db.session() as session:
        seed_regions(session)
        for code in ("510000", "510100"):
            add_tenant(session, code)
        add_tenant(session, COUNTY, review_levels=1)
        grant(session, "lina", COUNTY, Role.REPORTER, password=PASSWORD)
        grant(session, "chen", COUNTY, Role.CHIEF_EDITOR, password=PASSWORD)
        create_household(session, "evt-viewer", COUNTY, password=PASSWORD)  # no product
    db.close()
    server = server_factory(data_dir).start()
    staff = {
        who: _bearer(
            _post(server, "/api/v1/newsroom/login", {"username": who, "password": PASSWORD})
        )
        for who in ("lina", "chen")
    }
    now = int(time.time())
    created = _post(
        server,
        f"/api/v1/newsroom/tenants/{COUNTY}/stories",
        {
            "kind": "live_event",
            "title": "锦江区运动会开幕式",
            "details": {"source": SOURCE, "starts_at": now, "ends_at": now + 1800},
        },
        authorization=staff["lina"],
    )
    assert created.status_code == 201, created.text
    story = created.json()["id"]
    channel = f"event-{story}"

    def act(who: str, action: str, **body: Any) -> None:
        path = f"/api/v1/newsroom/stories/{story}/actions/{action}"
        answer = _post(server, path, body or None, authorization=staff[who])
        assert answer.status_code == 200, answer.text

    act("lina", "submit")
    act("chen", "approve")  # one review level: published, and its channel made
    recorded = server.wait_segments(channel, 3, timeout=40)
    assert recorded["state"] == "recording"
    assert recorded["event_story"] == story

    viewer = _bearer(
        _post(
            server,
            "/api/v1/auth/login",
            {"account": "evt-viewer", "password": PASSWORD, "device": "phone"},
        )
    )
    live = _post(server, "/api/v1/play", {"channel": channel}, authorization=viewer)
    assert live.status_code == 200, live.text  # no package: a published event is public
    frames, _ = decode(live.json()["url"], seconds=2)
    assert frames >= 25

    start = server.channel(channel)["archive"]["start"]
    catchup = _post(
        server,
        "/api/v1/play",
        {"channel": channel, "start": start + 1, "duration": 2},
        authorization=viewer,
    )
    assert catchup.status_code == 200, catchup.text
    frames, _ = decode(catchup.json()["url"])
    assert frames >= 2 * 25 * 0.9

    for path in (
        "/playlist.m3u",
        "/xmltv.xml",
        f"/player_api.php?username=evt-viewer&password={PASSWORD}&action=get_live_streams",
        f"/get.php?username=evt-viewer&password={PASSWORD}",
        f"/api/v1/portal/guide?start={now}&hours=1",
    ):
        listed = server.get(path)
        assert listed.status_code == 200, (path, listed.text)
        assert channel not in listed.text, path

    act("chen", "takedown", comment="信号有误，撤下")

    def dark() -> bool:
        status = server.channel(channel)
        return status["state"] == "disabled" and status["recorder"] is None

    wait_for(dark, 10, "the takedown to stop the event's recorder")
    again = _post(server, "/api/v1/play", {"channel": channel}, authorization=viewer)
    assert (again.status_code, again.json()["error"]["code"]) == (404, "channel_not_found")
    server.stop()
