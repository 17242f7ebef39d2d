"""The admin API: roles decide, and what an operator sets up plays for the household."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import FAST_ENV, Server, yunjin
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.vod.catalog import TitleDraft, TitleKind, add_category, add_title

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


def test_orders_are_sold_listed_refunded_and_cancelled_by_role(server: Server) -> None:
    operator, support, viewer = (
        _login(server, "olga"),
        _login(server, "sam"),
        _login(server, "vera"),
    )
    now = int(time.time())
    _call(server, "POST", "/households", operator, {"account": "pv001", "region": "510104"})
    for code, start, end in (("final", now - 600, now + 3600), ("derby", now + 86400, now + 90000)):
        created = _call(
            server,
            "POST",
            "/products",
            operator,
            {
                "code": code,
                "name_zh": "比赛",
                "name_en": "Match",
                "kind": "ppv",
                "channels": ["A.cn"],
                "price_cents": 2500,
                "event_start": start,
                "event_end": end,
            },
        )
        assert created.status_code == 201, created.text
    no_terms = _call(
        server,
        "POST",
        "/products",
        operator,
        {"code": "vague", "name_zh": "x", "name_en": "x", "kind": "ppv"},
    )
    assert no_terms.json()["error"]["reason"] == "bad_ppv_terms"
    assert no_terms.json()["error"]["messages"]["zh-CN"].startswith("按次付费产品须有活动时段")

    def sell(who: dict[str, str], product: str, key: str | None) -> httpx.Response:
        headers = {**who, **({"Idempotency-Key": key} if key else {})}
        return httpx.post(
            f"{server.base}/api/v1/admin/households/pv001/orders",
            json={"product": product},
            headers=headers,
            timeout=30,
        )

    assert sell(viewer, "final", "desk-000001").status_code == 403
    assert sell(operator, "final", None).json()["error"]["code"] == "idempotency_key_required"
    final = sell(operator, "final", "desk-000001")
    assert final.status_code == 201, final.text
    assert final.json()["order"]["placed_by"] == "admin:olga"
    assert sell(operator, "final", "desk-000001").status_code == 200
    derby = sell(operator, "derby", "desk-000002").json()["order"]
    listed = _call(server, "GET", "/orders?account=pv001", viewer).json()["orders"]
    assert [(o["product"], o["status"], o["price_cents"]) for o in listed] == [
        ("derby", "paid", 2500),
        ("final", "paid", 2500),
    ]
    final_id = final.json()["order"]["id"]
    assert _call(server, "POST", f"/orders/{final_id}/refund", viewer, {}).status_code == 403
    started = _call(server, "POST", f"/orders/{final_id}/cancel", support, {})
    assert (started.status_code, started.json()["error"]["code"]) == (409, "order_started")
    refunded = _call(server, "POST", f"/orders/{final_id}/refund", support, {"note": "no signal"})
    assert refunded.json()["order"]["status"] == "refunded"
    assert refunded.json()["order"]["closed_by"] == "admin:sam"
    again = _call(server, "POST", f"/orders/{final_id}/refund", support, {})
    assert again.json()["error"]["code"] == "order_closed"
    assert "已退款" in again.json()["error"]["messages"]["zh-CN"]
    cancelled = _call(server, "POST", f"/orders/{derby['id']}/cancel", support, {})
    assert cancelled.json()["order"]["status"] == "cancelled"
    assert _call(server, "POST", "/orders/999999/refund", support, {}).status_code == 404
    paid = _call(server, "GET", "/orders?account=pv001&status=paid", viewer).json()["orders"]
    assert paid == []


def test_a_vod_bundle_names_titles_and_categories_that_exist(server: Server) -> None:
    db = Database(load_settings(data_dir=server.data).database)
    with db.session() as session:
        add_category(session, "admin-docs", "纪录片")
        add_title(session, TitleDraft("admin-film", TitleKind.MOVIE, "电影"))
    db.close()
    operator = _login(server, "olga")
    bundle = {"code": "admin-vod", "name_zh": "点播包", "name_en": "VOD", "kind": "vod"}
    unknown = _call(server, "POST", "/products", operator, {**bundle, "titles": ["nope"]})
    assert unknown.status_code == 409
    assert unknown.json()["error"]["reason"] == "title_not_found"
    misfit = _call(server, "POST", "/products", operator, {**bundle, "channels": ["A.cn"]})
    assert misfit.json()["error"]["reason"] == "bad_members"
    created = _call(
        server,
        "POST",
        "/products",
        operator,
        {**bundle, "titles": ["admin-film"], "categories": ["admin-docs"]},
    )
    assert created.status_code == 201, created.text
