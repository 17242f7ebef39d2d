"""The VOD routes of the real app: search, a title's page, bilingual JSON errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.vod.catalog import TitleDraft, TitleKind, add_episode, add_season, add_title


class Client:
    """Requests straight into the ASGI app (no lifespan: nothing records, routes only read).

    Each request runs its own event loop in a worker thread: the browser tests' Playwright
    keeps a loop running on the main thread for the whole session.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(lambda: asyncio.run(self._get(path, **kwargs))).result()

    async def _get(self, path: str, **kwargs: Any) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://yunjin") as client:
            return await client.get(path, **kwargs)


@pytest.fixture
def client(tmp_path: Path, database_url: str) -> Iterator[Client]:
    app = create_app(load_settings(data_dir=tmp_path, record=False, database_url=database_url))
    with app.state.runtime.db.session() as session:
        add_title(session, TitleDraft("xwlb", TitleKind.SERIES, "新闻联播", "Network News"))
        add_title(session, TitleDraft("xw-special", TitleKind.MOVIE, "新闻联播特别节目"))
        add_season(session, "xwlb", 1, "2026年")
        add_episode(session, "xwlb", 1, 1, "11月26日", duration_s=1800)
    yield Client(app)
    app.state.runtime.db.close()


def test_search_by_initials(client: Client) -> None:
    answer = client.get("/api/v1/vod/search", params={"q": "XWLB"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["query"] == "XWLB"
    assert [(t["code"], t["match"]) for t in body["titles"]] == [
        ("xwlb", "exact"),
        ("xw-special", "prefix"),
    ]
    assert body["titles"][0]["title"] == {"zh": "新闻联播", "en": "Network News"}


def test_search_with_a_limit_and_a_type(client: Client) -> None:
    answer = client.get("/api/v1/vod/search", params={"q": "新聞", "limit": 1})
    assert [t["code"] for t in answer.json()["titles"]] == ["xwlb"]
    answer = client.get("/api/v1/vod/search", params={"q": "新聞", "kind": "movie"})
    assert [t["code"] for t in answer.json()["titles"]] == ["xw-special"]


def test_a_title_with_its_episodes(client: Client) -> None:
    body = client.get("/api/v1/vod/titles/xwlb").json()
    assert body["kind"] == "series"
    assert body["seasons"][0]["episodes"][0] == {
        "number": 1,
        "title": {"zh": "11月26日", "en": ""},
        "description": {"zh": "", "en": ""},
        "duration_s": 1800,
    }


def test_errors_are_bilingual(client: Client) -> None:
    answer = client.get("/api/v1/vod/titles/nope", headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "vod_title_not_found"
    assert error["message"] == "片目 nope 不存在。"
    assert error["messages"]["en"] == "No title nope."
    answer = client.get("/api/v1/vod/search", params={"q": "--"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "vod_query_empty")
    answer = client.get("/api/v1/vod/search", params={"q": "a", "limit": 0})
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_request")
    answer = client.get("/api/v1/vod/search", params={"q": "a", "kind": "opera"})
    assert answer.status_code == 400
