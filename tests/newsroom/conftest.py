"""A newsroom in Sichuan, on each database: the provincial centre, Chengdu's, and two of
Chengdu's counties (Jinjiang 510104, Qingyang 510105), with staff of every role, logged in.

Built once per backend for the module (argon2 and migrations take their time); the tests
use stories of their own, so they do not disturb one another.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from PIL import Image

from tests.conftest import POSTGRES_URL, postgres_available
from tests.helpers import AppClient as Client
from tests.helpers import LoopThread
from tests.vod.ingest_clips import make_clip
from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.db.models import Channel
from yunjin.newsroom.staff import grant
from yunjin.newsroom.tenants import add_tenant
from yunjin.newsroom.terms import Role
from yunjin.subscribers import passwords

PROVINCE, CHENGDU, JINJIANG, QINGYANG = "510000", "510100", "510104", "510105"
PASSWORD = "newsroom-pass-1"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
STAFF: dict[str, list[tuple[str, Role]]] = {
    "lina": [(JINJIANG, Role.REPORTER)],  # writes
    "wang": [(JINJIANG, Role.EDITOR)],  # 初审
    "zhao": [(JINJIANG, Role.DESK_HEAD)],  # 复审
    "chen": [(JINJIANG, Role.CHIEF_EDITOR)],  # 终审
    "gao": [(JINJIANG, Role.CHIEF_EDITOR)],  # a second chief editor
    "admin1": [(JINJIANG, Role.ADMIN)],
    "qing": [(QINGYANG, Role.REPORTER), (QINGYANG, Role.ADMIN)],  # the sibling county
    "pei": [(CHENGDU, Role.EDITOR)],  # Chengdu's zone desk
    "pan": [(CHENGDU, Role.DESK_HEAD)],
    "peng": [(CHENGDU, Role.CHIEF_EDITOR), (JINJIANG, Role.REPORTER)],  # two centres
    "sheng": [(PROVINCE, Role.CHIEF_EDITOR)],
}


@dataclass
class Newsroom:
    client: Client
    tokens: dict[str, str] = field(default_factory=dict)

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        return self.client.request(
            "POST", "/api/v1/newsroom/login", json={"username": username, "password": password}
        )

    def call(
        self, who: str | None, method: str, path: str, body: Any = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        url = path if path.startswith("/api/") else f"/api/v1/newsroom{path}"
        return self.client.request(method, url, json=body, headers=headers, **kwargs)

    def ok(self, who: str | None, method: str, path: str, body: Any = None) -> Any:
        answer = self.call(who, method, path, body)
        assert answer.status_code in (200, 201), (method, path, answer.status_code, answer.text)
        return answer.json()

    def refused(self, who: str | None, method: str, path: str, body: Any = None) -> tuple[int, str]:
        answer = self.call(who, method, path, body)
        assert answer.status_code >= 400, (method, path, answer.text)
        error = answer.json()["error"]
        assert error["messages"]["en"]
        assert error["messages"]["zh-CN"]
        return answer.status_code, error["code"]

    def act(self, who: str, story: int, action: str, **body: Any) -> Any:
        return self.ok(who, "POST", f"/stories/{story}/actions/{action}", body or None)

    def story(self, who: str, tenant: str = JINJIANG, **fields: Any) -> int:
        body = {"kind": "news", "title": "县里的新闻", "body_html": "<p>正文</p>", **fields}
        created = self.ok(who, "POST", f"/tenants/{tenant}/stories", body)
        return int(created["id"])

    def publish(self, story: int) -> Any:
        """Through all three reviews of Jinjiang."""
        self.act("lina", story, "submit")
        self.act("wang", story, "approve")
        self.act("zhao", story, "approve")
        return self.act("chen", story, "approve")

    def zone(self, code: str) -> Any:
        return self.ok(None, "GET", f"/api/v1/zones/{code}")

    def upload(
        self, who: str, tenant: str, kind: str, data: bytes, filename: str, **fields: str
    ) -> httpx.Response:
        """A multipart upload to the centre's media library."""
        return self.client.request(
            "POST",
            f"/api/v1/newsroom/tenants/{tenant}/library",
            data={"kind": kind, **fields},
            files={"file": (filename, data, "application/octet-stream")},
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
        )

    def library_item(
        self, who: str, kind: str, data: bytes, filename: str, tenant: str = JINJIANG, **fields: str
    ) -> Any:
        answer = self.upload(who, tenant, kind, data, filename, **fields)
        assert answer.status_code == 201, answer.text
        return answer.json()


@contextmanager
def publishing(app: FastAPI) -> Iterator[None]:
    """The runtime's scheduled-publishing loop, as ``yunjin serve`` runs it. Requests through
    the ASGI transport start no lifespan, so until this runs nothing publishes a due story:
    no request does (a GET never writes)."""
    with LoopThread() as thread:
        thread.spawn(app.state.runtime.loop("newsroom-publish"), "newsroom-publish")
        yield


def jpeg(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="session")
def news_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real 2-second H.264/AAC clip, made once."""
    return make_clip(tmp_path_factory.mktemp("news-clip") / "news.mp4", seconds=2).read_bytes()


def _urls(request: pytest.FixtureRequest, tmp: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp / 'newsroom.db'}"
        return
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} (CI requires it)")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    import psycopg

    schema = f"yunjin_newsroom_{uuid.uuid4().hex[:10]}"
    plain = POSTGRES_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def room(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Newsroom]:
    with pytest.MonkeyPatch.context() as patch:
        # argon2id as in production, with test-sized costs (hashes carry their parameters)
        patch.setattr(passwords, "_hasher", lambda: CHEAP)
        yield from _newsroom(request, tmp_path_factory.mktemp("newsroom"))


def _newsroom(request: pytest.FixtureRequest, tmp: Path) -> Iterator[Newsroom]:
    urls = _urls(request, tmp)
    url = next(urls)
    app = create_app(load_settings(data_dir=tmp, record=False, database_url=url))
    with app.state.runtime.db.session() as session:
        for code in (PROVINCE, CHENGDU, JINJIANG, QINGYANG):
            add_tenant(session, code)
        for username, roles in STAFF.items():
            for tenant, role in roles:
                grant(session, username, tenant, role, password=PASSWORD)
        channel = Channel(tvg_id="CDTV1.cn", number=11, name_zh="成都新闻", name_en="CDTV")
        channel.source_url = "udp://@239.1.1.1:5000"
        session.add(channel)
    room = Newsroom(Client(app))
    for username in STAFF:
        answer = room.login(username)
        assert answer.status_code == 200, answer.text
        room.tokens[username] = answer.json()["session"]
    yield room
    app.state.runtime.db.close()
    next(urls, None)
