"""Issue #7's "done when", end to end on a real ``yunjin serve`` (its own VOD worker): a
county reporter uploads a video to the centre's media library, the worker transcodes it,
the reporter's story carries it through 初审, 复审 and 终审 by three other people, and at once
it is on the county's zone section, its video plays for anyone (ffmpeg decodes the
playlist), it is in the county's RSS, Atom and JSON feeds, and — recommended by the
prefecture's editor and approved by its desk head — on the prefecture zone's front page.
The clip is newsroom media: it is on no 点播 shelf and found by no VOD search."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest

from tests.conftest import Server
from tests.helpers import decode, wait_for
from tests.newsroom.conftest import CHEAP
from tests.vod.ingest_clips import make_clip
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.newsroom.staff import grant
from yunjin.newsroom.tenants import add_tenant
from yunjin.newsroom.terms import Role
from yunjin.subscribers import passwords
from yunjin.subscribers.regions import seed_regions

CONFIG = """[yunjin]
token_secret = "newsroom-done-when"
require_tokens = true
record = false
"""
PASSWORD = "done-when-pass-1"
PROVINCE, PREFECTURE, COUNTY = "510000", "510100", "510104"
STAFF = {
    "lina": (COUNTY, Role.REPORTER),
    "wang": (COUNTY, Role.EDITOR),  # 初审
    "zhao": (COUNTY, Role.DESK_HEAD),  # 复审
    "chen": (COUNTY, Role.CHIEF_EDITOR),  # 终审
    "pei": (PREFECTURE, Role.EDITOR),  # recommends to the prefecture's zone
    "pan": (PREFECTURE, Role.DESK_HEAD),  # reviews the recommendation
}
TITLE = "锦江区今冬供暖启动"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("newsroom-done-when")
    (data / "yunjin.toml").write_text(CONFIG, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        # argon2id with test-sized costs: the hashes carry them, so the server verifies cheaply
        patch.setattr(passwords, "_hasher", lambda: CHEAP)
        db = Database(load_settings(data_dir=data).database)
        with db.session() as session:
            seed_regions(session)
            for code in (PROVINCE, PREFECTURE, COUNTY):
                add_tenant(session, code)
            for username, (tenant, role) in STAFF.items():
                grant(session, username, tenant, role, password=PASSWORD)
        db.close()
    running = Server(data).start()
    yield running
    running.stop()


class Staff:
    def __init__(self, server: Server) -> None:
        self.base = server.base
        self.headers: dict[str, dict[str, str]] = {}
        for username in STAFF:
            answer = httpx.post(
                f"{self.base}/api/v1/newsroom/login",
                json={"username": username, "password": PASSWORD},
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
            self.headers[username] = {"Authorization": f"Bearer {answer.json()['session']}"}

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        answer = httpx.request(
            method,
            f"{self.base}/api/v1/newsroom{path}",
            headers=self.headers[who],
            timeout=30,
            **kwargs,
        )
        assert answer.status_code in (200, 201), (method, path, answer.status_code, answer.text)
        return answer.json()


def test_a_reporters_video_story_from_upload_to_the_prefecture_front_page(
    server: Server, tmp_path: Path
) -> None:
    staff = Staff(server)
    clip = make_clip(tmp_path / "供暖.mp4", seconds=3, size="320x180")
    with clip.open("rb") as video:
        uploaded = staff.call(
            "lina",
            "POST",
            f"/tenants/{COUNTY}/library",
            data={"kind": "video", "title": "锅炉房点火", "title_en": "Boilers lit"},
            files={"file": ("供暖.mp4", video, "video/mp4")},
        )
    assert uploaded["kind"] == "video"
    assert uploaded["state"] in ("queued", "transcoding", "ready")
    item = uploaded["id"]

    def transcoded() -> dict[str, Any] | None:
        found = staff.call("lina", "GET", f"/library/{item}")
        assert found["state"] in ("queued", "transcoding", "ready"), found
        return found if found["state"] == "ready" else None

    ready = wait_for(transcoded, 45, "the worker to transcode the uploaded clip")
    assert ready["percent"] == 100.0
    assert ready["duration_s"] == pytest.approx(3.0, abs=0.2)
    listed = staff.call("wang", "GET", f"/tenants/{COUNTY}/library")["items"]
    assert [(i["id"], i["state"], i["percent"]) for i in listed] == [(item, "ready", 100.0)]

    story = staff.call(
        "lina",
        "POST",
        f"/tenants/{COUNTY}/stories",
        json={
            "kind": "news",
            "title": TITLE,
            "summary": "今起全区供暖",
            "body_html": "<p>锦江区今冬供暖今日启动。</p>",
            "video_asset": ready["asset"],
        },
    )["id"]
    staff.call("lina", "POST", f"/stories/{story}/actions/submit")
    for reviewer, after in (("wang", "second_review"), ("zhao", "final_review")):
        moved = staff.call(reviewer, "POST", f"/stories/{story}/actions/approve")
        assert moved["state"] == after
    published = staff.call("chen", "POST", f"/stories/{story}/actions/approve")
    assert published["state"] == "published"
    assert published["approvals"] == ["wang", "zhao", "chen"]

    # at once: on the county's section …
    section = httpx.get(f"{server.base}/api/v1/zones/{COUNTY}", timeout=10).json()
    shown = next(s for s in section["stories"] if s["id"] == story)
    assert (shown["title"], shown["video_asset"]) == (TITLE, ready["asset"])
    # … its video plays for anyone, without a session or a package
    play = httpx.post(f"{server.base}/api/v1/zones/{COUNTY}/stories/{story}/video", timeout=10)
    assert play.status_code == 200, play.text
    assert play.json()["asset"] == ready["asset"]
    frames, log = decode(play.json()["url"])
    assert frames >= 3 * 25 * 0.9, log
    # … and in the county's feeds
    for ext in ("rss", "atom"):
        parsed = feedparser.parse(httpx.get(f"{server.base}/feeds/{COUNTY}.{ext}", timeout=10).text)
        assert parsed.bozo == 0, parsed.bozo_exception
        assert TITLE in [entry.title for entry in parsed.entries], ext
    document = httpx.get(f"{server.base}/feeds/{COUNTY}.json", timeout=10).json()
    assert TITLE in [i["title"] for i in document["items"]]

    # the prefecture's editor recommends it, its desk head approves: on the zone's front page
    front = httpx.get(f"{server.base}/api/v1/zones/{PREFECTURE}", timeout=10).json()["front"]
    assert story not in [s["id"] for s in front if s.get("recommended")]
    proposal = staff.call(
        "pei", "POST", f"/stories/{story}/recommendations", json={"zone": PREFECTURE}
    )
    staff.call("pan", "POST", f"/recommendations/{proposal['id']}/actions/approve")
    front = httpx.get(f"{server.base}/api/v1/zones/{PREFECTURE}", timeout=10).json()["front"]
    assert story in [s["id"] for s in front if s.get("recommended")]

    # newsroom media, not the paid catalogue: on no shelf, in no search
    shelves = httpx.get(f"{server.base}/api/v1/vod/shelves", timeout=10).json()["shelves"]
    assert not [t for shelf in shelves for t in shelf["titles"]]
    hits = httpx.get(f"{server.base}/api/v1/vod/search", params={"q": "锅炉房"}, timeout=10)
    assert hits.json()["titles"] == []
