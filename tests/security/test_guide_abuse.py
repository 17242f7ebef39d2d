"""The guide as a crawler or a careless client uses it: one-letter searches that scan every
title, result lists without end, and the whole XMLTV export made again for every player
that asks. Searches have a floor and a ceiling; the export is cached per process and made
again when the guide or the lineup changes, or after a short time."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.helpers import run_async
from yunjin.api.epg import SEARCH_MAX_RESULTS, export_cache
from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.db.models import Programme
from yunjin.epg.export_cache import ExportCache
from yunjin.folding import fold
from yunjin.live.channels import ChannelSpec, add_channel


def get(app: FastAPI, path: str, **params: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://yunjin") as client:
            return await client.get(path, params=params)

    return run_async(go())


def programme(channel: str, title: str, start_s: int) -> Programme:
    return Programme(
        channel_id=channel,
        start_ms=start_s * 1000,
        stop_ms=(start_s + 1800) * 1000,
        title=title,
        title_folded=fold(title),
        titles={},
        descriptions={},
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    application = create_app(load_settings(data_dir=tmp_path_factory.mktemp("guide"), record=False))
    runtime = application.state.runtime
    now = int(time.time())
    with runtime.db.session() as session:
        add_channel(
            session,
            ChannelSpec(tvg_id="SCTV.cn", number=21, name_zh="四川卫视", name_en="Sichuan TV",
                        source="testsrc:"),
        )  # fmt: skip
        for n in range(150):
            session.add(programme("SCTV.cn", f"熊猫故事 第{n}集", now - 3600 * 24 + n * 60))
    runtime.refresh_catalog()
    yield application
    runtime.db.close()


@pytest.mark.parametrize("query", ["熊", "a", "A ", "ａ", " - "])
def test_a_search_shorter_than_two_characters_is_refused(app: FastAPI, query: str) -> None:
    answer = get(app, "/api/v1/epg/search", q=query)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "epg_query_too_short"
    assert "2" in error["messages"]["en"]
    assert "2" in error["messages"]["zh-CN"]


def test_results_have_a_ceiling(app: FastAPI) -> None:
    found = get(app, "/api/v1/epg/search", q="熊貓", limit=SEARCH_MAX_RESULTS)
    assert len(found.json()["programmes"]) == SEARCH_MAX_RESULTS == 100
    assert get(app, "/api/v1/epg/search", q="熊猫", limit=500).status_code == 400
    assert len(get(app, "/api/v1/epg/search", q="熊猫").json()["programmes"]) == 50


def test_the_export_is_made_once_until_the_guide_or_lineup_changes(app: FastAPI) -> None:
    runtime = app.state.runtime
    cache = export_cache(runtime)
    first = get(app, "/xmltv.xml").content
    made = cache.made
    assert get(app, "/xmltv.xml").content == first
    assert gzip.decompress(get(app, "/xmltv.xml.gz").content) == first
    assert cache.made == made  # served from the cache: not made again
    with runtime.db.session() as session:  # an import changes the guide …
        session.add(programme("SCTV.cn", "新闻联播", int(time.time())))
    assert "新闻联播" in get(app, "/xmltv.xml").text  # … and the export follows at once
    with runtime.db.session() as session:  # so does a new channel of the lineup
        add_channel(
            session,
            ChannelSpec(tvg_id="CDTV.cn", number=22, name_zh="成都台", name_en="CDTV",
                        source="testsrc:"),
        )  # fmt: skip
    runtime.refresh_catalog()
    assert 'id="CDTV.cn"' in get(app, "/xmltv.xml").text
    assert get(app, "/xmltv.xml", **{"catchup-id": "1"}).content != get(app, "/xmltv.xml").content


def test_a_cached_export_lasts_at_most_its_ttl() -> None:
    now = [1000.0]
    cache = ExportCache(ttl_s=60, clock=lambda: now[0])
    makes = iter([b"<tv>1</tv>", b"<tv>2</tv>", b"<tv>3</tv>"])
    assert cache.get(False, "k", lambda: next(makes)).xml == b"<tv>1</tv>"
    now[0] += 59
    assert cache.get(False, "k", lambda: next(makes)).xml == b"<tv>1</tv>"
    now[0] += 2
    assert cache.get(False, "k", lambda: next(makes)).xml == b"<tv>2</tv>"
    assert cache.get(False, "changed", lambda: next(makes)).xml == b"<tv>3</tv>"
    assert gzip.decompress(cache.get(False, "changed", lambda: b"").gz) == b"<tv>3</tv>"
