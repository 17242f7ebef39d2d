"""Scheduled publishing with nobody watching: a real ``yunjin serve`` publishes a story
at its time from its periodic loop, on SQLite and PostgreSQL. The test waits by reading
the story through the staff API, which only reads: the loop alone publishes."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server
from tests.helpers import wait_for
from tests.newsroom.conftest import CHEAP
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.newsroom.staff import grant
from yunjin.newsroom.tenants import add_tenant
from yunjin.newsroom.terms import Role
from yunjin.subscribers import passwords
from yunjin.subscribers.regions import seed_regions

PASSWORD = "scheduled-pass-1"
COUNTY = "510104"


def _login(server: Server, username: str) -> dict[str, str]:
    answer = httpx.post(
        f"{server.base}/api/v1/newsroom/login",
        json={"username": username, "password": PASSWORD},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['session']}"}


def test_a_scheduled_story_goes_live_at_its_time_by_itself(
    server_factory: type[Server],
    data_dir: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("YUNJIN_DATABASE_URL", database_url)
    # argon2id with test-sized costs: the hashes carry them, so the server verifies cheaply
    monkeypatch.setattr(passwords, "_hasher", lambda: CHEAP)
    db = Database(load_settings(data_dir=data_dir).database)
    with db.session() as session:
        seed_regions(session)
        add_tenant(session, "510000")
        add_tenant(session, "510100")
        add_tenant(session, COUNTY, review_levels=1)
        grant(session, "lina", COUNTY, Role.REPORTER, password=PASSWORD)
        grant(session, "zhao", COUNTY, Role.DESK_HEAD, password=PASSWORD)
        grant(session, "chen", COUNTY, Role.CHIEF_EDITOR, password=PASSWORD)
    server = server_factory(data_dir).start()
    lina, zhao, chen = (_login(server, name) for name in ("lina", "zhao", "chen"))
    api = f"{server.base}/api/v1/newsroom"
    created = httpx.post(
        f"{api}/tenants/{COUNTY}/stories",
        json={"kind": "news", "title": "定时发布的新闻", "body_html": "<p>正文</p>"},
        headers=lina,
        timeout=10,
    )
    story = created.json()["id"]

    def act(who: dict[str, str], action: str, **body: object) -> dict[str, object]:
        answer = httpx.post(
            f"{api}/stories/{story}/actions/{action}", json=body or None, headers=who, timeout=10
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, object] = answer.json()
        return result

    act(lina, "submit")  # one review level: straight to 终审
    due = int(time.time()) + 3
    act(zhao, "schedule", publish_at=due)
    assert act(chen, "approve")["state"] == "scheduled"

    def published() -> dict[str, object] | None:
        answer = httpx.get(f"{api}/stories/{story}", headers=chen, timeout=10)
        assert answer.status_code == 200, answer.text
        shown: dict[str, object] = answer.json()
        return shown if shown["state"] == "published" else None

    wait_for(published, 20, "the serve loop to publish the scheduled story")
    assert time.time() >= due
    audit = httpx.get(f"{api}/stories/{story}/audit", headers=chen, timeout=10).json()["audit"]
    last = audit[-1]
    assert (last["action"], last["actor"], last["from_state"], last["to_state"]) == (
        "publish",
        None,
        "scheduled",
        "published",
    )
    db.close()
    server.stop()
