"""The admin API: roles decide, and what an operator sets up plays for the household."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import FAST_ENV, Server, yunjin

SMALL = "testsrc:?size=320x180&rate=25&kbps=200"


def _add_admin(data: Any, name: str, role: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "yunjin",
            "admin",
            "add",
            name,
            "--role",
            role,
            "--password",
            f"{name}-password",
            "--data",
            str(data),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, **FAST_ENV},
        timeout=60,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("admin")
    (data / "yunjin.toml").write_text('[yunjin]\ntoken_secret = "admin-test"\n', encoding="utf-8")
    yunjin(
        data, "channel", "add", "--id", "A.cn", "--name", "A", "--number", "1", "--source", SMALL
    )
    for name, role in (("olga", "operator"), ("sam", "support"), ("vera", "viewer")):
        _add_admin(data, name, role)
    running = Server(data).start()
    running.wait_segments("A.cn", 2)
    yield running
    running.stop()


def _login(server: Server, name: str) -> dict[str, str]:
    answer = httpx.post(
        f"{server.base}/api/v1/admin/login",
        json={"username": name, "password": f"{name}-password"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['session']}"}


def _call(
    server: Server,
    method: str,
    path: str,
    who: dict[str, str] | None,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    return httpx.request(
        method, f"{server.base}/api/v1/admin{path}", json=body, headers=who or {}, timeout=30
    )


def test_roles(server: Server) -> None:
    viewer, support = _login(server, "vera"), _login(server, "sam")
    assert _call(server, "GET", "/households", None).status_code == 401
    assert _call(server, "GET", "/households", viewer).status_code == 200
    refused = _call(server, "POST", "/households", viewer, {"account": "zz001", "region": "510104"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "role_forbidden"
    assert (
        _call(
            server, "POST", "/households", support, {"account": "zz001", "region": "510104"}
        ).status_code
        == 403
    )
    bad = httpx.post(
        f"{server.base}/api/v1/admin/login",
        json={"username": "vera", "password": "wrong"},
        timeout=30,
    )
    assert bad.status_code == 401
    counties = _call(server, "GET", "/regions?parent=510100", viewer).json()["regions"]
    assert {
        "code": "510104",
        "name": {"zh-CN": "锦江区", "en": "Jinjiang District"},
        "level": "county",
    } in counties
    assert len(_call(server, "GET", "/regions?parent=510000", viewer).json()["regions"]) == 21


def test_an_operator_sets_up_a_household_that_then_plays(server: Server) -> None:
    operator, support = _login(server, "olga"), _login(server, "sam")
    assert (
        _call(
            server,
            "POST",
            "/households",
            operator,
            {"account": "ab001", "region": "511402", "password": "pw-ab001"},
        ).status_code
        == 201
    )
    duplicate = _call(
        server, "POST", "/households", operator, {"account": "ab001", "region": "511402"}
    )
    assert duplicate.status_code == 409
    assert (
        _call(
            server, "POST", "/households", operator, {"account": "ab002", "region": "999999"}
        ).status_code
        == 409
    )
    box = _call(
        server,
        "POST",
        "/households/ab001/devices",
        operator,
        {"mac": "AA-BB-CC-00-11-22", "serial": "SN-AB"},
    )
    assert box.status_code == 201
    assert box.json()["mac"] == "AA:BB:CC:00:11:22"
    assert (
        _call(
            server,
            "POST",
            "/products",
            operator,
            {
                "code": "basic",
                "name_zh": "基本包",
                "name_en": "Basic",
                "kind": "channels",
                "channels": ["A.cn"],
            },
        ).status_code
        == 201
    )
    assert (
        _call(
            server,
            "POST",
            "/households/ab001/subscriptions",
            operator,
            {"product": "basic", "days": 30},
        ).status_code
        == 201
    )
    login = httpx.post(
        f"{server.base}/api/v1/auth/stb",
        json={"mac": "aa:bb:cc:00:11:22", "serial": "SN-AB"},
        timeout=30,
    ).json()
    bearer = {"Authorization": f"Bearer {login['session']}"}
    play = httpx.post(
        f"{server.base}/api/v1/play", json={"channel": "A.cn"}, headers=bearer, timeout=30
    )
    assert play.status_code == 200, play.text
    # support suspends: the household is refused at once (its cached rights are dropped)
    assert _call(server, "POST", "/households/ab001/suspend", support).json()["status"] == (
        "suspended"
    )
    again = httpx.post(
        f"{server.base}/api/v1/play", json={"channel": "A.cn"}, headers=bearer, timeout=30
    )
    assert again.json()["error"]["code"] == "household_suspended"
    _call(server, "POST", "/households/ab001/resume", support)
    # de-registering the box logs it out
    assert _call(server, "DELETE", f"/devices/{box.json()['id']}", support).status_code == 200
    gone = httpx.post(
        f"{server.base}/api/v1/play", json={"channel": "A.cn"}, headers=bearer, timeout=30
    )
    assert gone.status_code == 401
