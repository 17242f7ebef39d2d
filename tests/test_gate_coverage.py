"""Every playback route goes through the gate: with tokens required, nothing plays without one.

A subscriber gets a token only from ``POST /api/v1/play``, ``POST /api/v1/vod/play`` or,
logged in as an Xtream app, from the Xtream stream routes; all ask ``can_play`` first.  This
test walks every route of the app and every router that could sign or read rights.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import Server, yunjin
from yunjin.app import create_app
from yunjin.config import load_settings

SRC = Path(__file__).resolve().parents[1] / "src" / "yunjin"
PLAYBACK = re.compile(r"^/(hls|t|ti|live|movie|series|timeshift|\{username\})/")
SAMPLE = {
    "channel": "A.cn",
    "name": "index.m3u8",
    "day": "20261126",
    "hour": "12",
    "segment": "1795000000000_2000_1_1.ts",
    "token": "A" * 22,
    "expires": "9999999999",
    "username": "u",
    "password": "p",
    "stream": "1.ts",
    "minutes": "10",
    "moment": "2026-11-26:12-00",
    "lease": "1.7",
    "scope": "abcd12345678",
    "rung": "180p-h264",
}
CONFIG = (
    '[yunjin]\nrequire_tokens = true\ntoken_secret = "gate-secret"\n'
    'xtream_username = "u"\nxtream_password = "p"\n'
)


def test_no_playback_route_serves_without_a_valid_token(
    server_factory: type[Server], data_dir: Path
) -> None:
    (data_dir / "yunjin.toml").write_text(CONFIG, encoding="utf-8")
    yunjin(
        data_dir,
        "channel",
        "add",
        "--id",
        "A.cn",
        "--name",
        "A",
        "--number",
        "1",
        "--source",
        "testsrc:?size=320x180&rate=25&kbps=200",
    )
    server = server_factory(data_dir).start()
    server.wait_segments("A.cn", 2)
    app = create_app(load_settings(data_dir=data_dir, record=False))
    playback = [path for path in app.openapi()["paths"] if PLAYBACK.match(path)]
    assert len(playback) >= 8
    assert any("/vod/{scope}/" in path for path in playback)
    assert {
        "/movie/{username}/{password}/{stream}",
        "/series/{username}/{password}/{stream}",
    } <= set(playback)
    for template in playback:
        path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], template)
        answer = server.get(path)
        assert answer.status_code in (401, 403, 404), (template, answer.status_code)


def _imports(module: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_play_and_xtream_routes_ask_the_gate_and_sign() -> None:
    found = {module.name: _imports(module) for module in (SRC / "api").glob("*.py")}

    def users(name: str) -> set[str]:
        return {module for module, names in found.items() if name in names}

    # play.py, vod_play.py and xtream.py before signing; secure.py and vod_secure.py again on
    # every leased playlist
    assert users("yunjin.subscribers.entitlements.can_play") == {
        "play.py",
        "secure.py",
        "vod_play.py",
        "vod_secure.py",
        "xtream.py",
        "xtream_vod.py",
    }
    # secure.py signs a channel's URL with exactly the scope play.py and xtream.py asked about
    assert users("yunjin.delivery.tokens.sign") == {"secure.py"}
    assert users("yunjin.api.secure.channel_url") | users("yunjin.api.secure.channel_path") == {
        "play.py",
        "xtream.py",
    }
    assert users("yunjin.delivery.tokens.sign_vod") == {"vod_play.py", "xtream_vod.py"}
    assert users("yunjin.subscribers.accounts.load_rights") == set()


def test_no_area_outside_the_api_asks_the_gate_or_signs() -> None:
    for area in ("vod", "portal", "interop", "live", "archive", "epg"):
        for module in (SRC / area).glob("*.py"):
            names = _imports(module)
            for name in ("can_play", "sign", "sign_vod", "load_rights"):
                assert not any(n.endswith(f".{name}") for n in names), (module, name)


def _callers(module: Path, name: str) -> set[str]:
    """The functions of ``module`` whose bodies call ``name``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id == name
                ):
                    found.add(node.name)
    return found


def test_in_the_subscriber_router_only_play_signs_and_buying_does_not() -> None:
    # play.py also logs in and sells pay-per-view: an order changes rights, never signs
    play = SRC / "api" / "play.py"
    assert _callers(play, "channel_url") == {"play"}
    assert _callers(play, "can_play") == {"play"}
    assert _callers(SRC / "api" / "secure.py", "sign") == {"channel_path"}
    vod_play = SRC / "api" / "vod_play.py"
    assert _callers(vod_play, "sign_vod") == {"play_vod"}
    assert _callers(vod_play, "can_play") == {"play_vod"}
