"""Golden files (``tests/golden/files/``): ``--update-golden`` rewrites them, and the fixed
lineup app the M3U, Xtream and XMLTV goldens are read from."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.golden import lineup
from tests.golden.compare import Golden
from tests.helpers import AppClient
from yunjin.api import epg, xtream
from yunjin.app import create_app
from yunjin.config import load_settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="write tests/golden/files/ from what the code makes now (review the diff)",
    )


@pytest.fixture(scope="session")
def golden(request: pytest.FixtureRequest) -> Golden:
    # the option is known when pytest starts in tests/golden; the variable works from anywhere
    update = bool(request.config.getoption("--update-golden", default=False)) or (
        os.environ.get("YUNJIN_UPDATE_GOLDEN") == "1"
    )
    return Golden(update)


@dataclass(frozen=True)
class Lineup:
    """The fixed lineup app, with the Xtream ids of its catalog."""

    client: AppClient
    ids: dict[str, int]

    def get(self, path: str, **params: str | int) -> bytes:
        answer = self.client.request("GET", path, params=params)
        assert answer.status_code == 200, (path, params, answer.status_code, answer.text)
        return answer.content

    def xtream(self, **params: str | int) -> bytes:
        login = {"username": lineup.XTREAM_USER, "password": lineup.XTREAM_PASSWORD}
        return self.get("/player_api.php", **login, **params)


@pytest.fixture(scope="session")
def lineup_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FastAPI, dict[str, int]]]:
    data: Path = tmp_path_factory.mktemp("golden")
    settings = load_settings(
        data_dir=data,
        record=False,
        port=8000,  # the Xtream account answers it
        timezone="Asia/Shanghai",  # Xtream's local times
        public_url=lineup.PUBLIC_URL,
        xtream_username=lineup.XTREAM_USER,
        xtream_password=lineup.XTREAM_PASSWORD,
    )
    app = create_app(settings)
    runtime = app.state.runtime
    with runtime.db.session() as session:
        lineup.seed(session)
    with runtime.db.session() as session:
        ids = lineup.xtream_ids(session)
    runtime.refresh_catalog()
    yield app, ids
    runtime.db.close()


@pytest.fixture
def fixed_lineup(
    lineup_app: tuple[FastAPI, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> Lineup:
    """The lineup app at :data:`lineup.NOW_MS`: the guide and Xtream routes read the wall
    clock through these two functions, and nothing else in what the goldens hold does."""
    monkeypatch.setattr(epg, "_now_ms", lambda: lineup.NOW_MS)
    monkeypatch.setattr(xtream, "_now_ms", lambda: lineup.NOW_MS)
    app, ids = lineup_app
    return Lineup(AppClient(app), ids)
