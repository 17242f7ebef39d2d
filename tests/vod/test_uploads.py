"""Resumable uploads over HTTP: chunks at an offset, resumed after a break, refused when wrong,
aborted or purged without leaving bytes behind; and one through a running ``yunjin serve``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.requests import ClientDisconnect

from tests.conftest import FAST_ENV, Server
from tests.helpers import wait_for
from tests.vod.ingest_clips import Clips, FakeQueue, seed_titles
from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.db.models import VodAsset, VodUpload
from yunjin.subscribers.staff import Role, add_admin
from yunjin.vod import uploads
from yunjin.vod.assets import IngestTarget, utcnow

UPLOADS = "/api/v1/vod/uploads"


class Client:
    """Requests straight into the ASGI app, each on its own loop in a worker thread."""

    def __init__(self, app: FastAPI, token: str | None = None) -> None:
        self.app = app
        self.token = token

    def __call__(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(
                lambda: asyncio.run(self._send(method, path, headers=headers, **kwargs))
            ).result()

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://yunjin") as client:
            return await client.request(method, path, **kwargs)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    settings = load_settings(data_dir=tmp_path / "data", record=False, vod_upload_max_gb=0.01)
    app = create_app(settings)
    db = app.state.runtime.db
    seed_titles(db)
    with db.session() as session:
        add_admin(session, "olga", "olga-password", Role.OPERATOR)
        add_admin(session, "vera", "vera-password", Role.VIEWER)
    yield app
    db.close()


def _login(app: FastAPI, name: str) -> Client:
    answer = Client(app)(
        "POST", "/api/v1/admin/login", json={"username": name, "password": f"{name}-password"}
    )
    assert answer.status_code == 200
    return Client(app, answer.json()["session"])


@pytest.fixture
def olga(app: FastAPI) -> Client:
    return _login(app, "olga")


def _open(client: Client, name: str, size: int, **more: Any) -> httpx.Response:
    return client("POST", UPLOADS, json={"filename": name, "size": size, "title": "liulang"} | more)


def _patch(client: Client, upload: str, offset: int, chunk: bytes) -> httpx.Response:
    return client(
        "PATCH",
        f"{UPLOADS}/{upload}",
        content=chunk,
        headers={"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
    )


def _leftovers(app: FastAPI) -> list[Path]:
    vod = app.state.runtime.settings.vod_dir
    return [p for p in (vod / "uploads").rglob("*") if p.is_file()] if vod.exists() else []


def test_an_upload_stops_half_way_resumes_and_is_ingested(
    app: FastAPI, olga: Client, clips: Clips
) -> None:
    data = clips.good.read_bytes()
    opened = _open(olga, "流浪地球.mp4", len(data))
    assert opened.status_code == 201
    upload = opened.json()["id"]
    assert opened.headers["Location"] == f"{UPLOADS}/{upload}"
    half = len(data) // 2
    first = _patch(olga, upload, 0, data[:half])
    assert first.status_code == 200
    assert first.headers["Upload-Offset"] == str(half)
    assert first.json()["asset"] is None
    # the client lost its place: the server says where to go on
    again = _patch(olga, upload, 0, data[:half])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "vod_upload_offset_mismatch"
    assert again.json()["error"]["offset"] == half
    head = olga("HEAD", f"{UPLOADS}/{upload}")
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == (
        str(half),
        str(len(data)),
    )
    last = _patch(olga, upload, half, data[half:])
    assert last.status_code == 200, last.text
    body = last.json()
    assert body["state"] == "complete"
    assert body["offset"] == len(data)
    code = body["asset"]
    assert body["asset_detail"]["state"] == "queued"
    asset = olga("GET", f"/api/v1/vod/assets/{code}").json()
    assert (asset["title"], asset["filename"], asset["width"]) == ("liulang", "流浪地球.mp4", 320)
    kept = app.state.runtime.settings.vod_dir / "sources" / code / "流浪地球.mp4"
    assert kept.read_bytes() == data
    assert _leftovers(app) == []
    jobs = olga("GET", "/api/v1/vod/jobs").json()["jobs"]
    assert [(j["asset"], j["state"], j["percent"]) for j in jobs] == [(code, "queued", 0.0)]
    job = olga("GET", f"/api/v1/vod/jobs/{jobs[0]['id']}").json()
    assert job["eta_s"] is None
    assert job["fps"] is None
    assert olga("POST", f"/api/v1/vod/jobs/{job['id']}/retry").status_code == 409
    assert olga("POST", f"/api/v1/vod/jobs/{job['id']}/cancel").json()["state"] == "cancelled"
    assert olga("POST", f"/api/v1/vod/jobs/{job['id']}/retry").json()["state"] == "queued"
    assert _patch(olga, upload, len(data), b"").status_code == 410  # closed


def test_a_client_cut_off_mid_chunk_resumes_from_what_arrived(app: FastAPI, clips: Clips) -> None:
    runtime = app.state.runtime
    data = clips.good.read_bytes()
    opened = uploads.create_upload(
        runtime.settings, runtime.db, "cut.mp4", len(data), IngestTarget("liulang"), "test"
    )

    async def cut_off() -> AsyncIterator[bytes]:
        yield data[:1000]
        yield data[1000:3000]
        raise ClientDisconnect

    async def send() -> None:
        await uploads.receive(runtime.settings, runtime.db, FakeQueue(), opened.id, 0, cut_off())

    with pytest.raises(ClientDisconnect), ThreadPoolExecutor(1) as pool:
        # its own thread: the browser tests' Playwright keeps a loop running on this one
        pool.submit(lambda: asyncio.run(send())).result()
    view = uploads.upload_view(runtime.settings, runtime.db, opened.id)
    assert view.offset == 3000  # what reached the disk counts


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"filename": "../../etc/cron.d/x.mp4"}, 400, "vod_bad_filename"),
        ({"filename": "..\\..\\x.mp4"}, 400, "vod_bad_filename"),
        ({"size": 0}, 400, "vod_upload_bad_size"),
        ({"size": 10**9}, 413, "vod_upload_too_large"),
        ({"title": "nobody"}, 404, "vod_title_not_found"),
        ({"title": "fanhua", "season": 1, "episode": 7}, 404, "vod_episode_not_found"),
    ],
)
def test_an_upload_is_refused_before_any_byte(
    app: FastAPI, olga: Client, body: dict[str, Any], status: int, code: str
) -> None:
    answer = olga(
        "POST", UPLOADS, json={"filename": "a.mp4", "size": 100, "title": "liulang"} | body
    )
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["code"] == code
    assert error["messages"]["zh-CN"] != error["messages"]["en"]
    assert _leftovers(app) == []
    with app.state.runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(VodUpload)) == 0


def test_staff_only_and_operators_change(app: FastAPI, clips: Clips) -> None:
    assert Client(app)("POST", UPLOADS, json={}).status_code in (400, 401)
    assert _open(Client(app), "a.mp4", 10).status_code == 401
    vera = _login(app, "vera")
    assert _open(vera, "a.mp4", 10).json()["error"]["code"] == "role_forbidden"
    assert vera("GET", "/api/v1/vod/jobs").status_code == 200


def test_a_bad_file_is_rejected_on_its_last_byte_and_leaves_nothing(
    app: FastAPI, olga: Client, clips: Clips
) -> None:
    data = clips.truncated.read_bytes()
    upload = _open(olga, "cut.mp4", len(data)).json()["id"]
    answer = _patch(olga, upload, 0, data)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "vod_truncated"
    assert "cut.mp4" in answer.json()["error"]["messages"]["zh-CN"]
    status = olga("GET", f"{UPLOADS}/{upload}").json()
    assert (status["state"], status["error"]) == ("rejected", "vod_truncated")
    assert _leftovers(app) == []
    with app.state.runtime.db.session() as session:
        assert session.scalars(select(VodAsset)).all() == []


def test_bytes_past_the_declared_size_are_refused(app: FastAPI, olga: Client) -> None:
    upload = _open(olga, "a.mp4", 10).json()["id"]
    answer = _patch(olga, upload, 0, b"x" * 11)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "vod_upload_overflow"
    assert olga("HEAD", f"{UPLOADS}/{upload}").headers["Upload-Offset"] == "0"


def test_an_aborted_or_abandoned_upload_is_removed(
    app: FastAPI, olga: Client, clips: Clips
) -> None:
    runtime = app.state.runtime
    data = clips.good.read_bytes()
    aborted = _open(olga, "a.mp4", len(data)).json()["id"]
    _patch(olga, aborted, 0, data[:500])
    assert olga("DELETE", f"{UPLOADS}/{aborted}").status_code == 204
    assert _patch(olga, aborted, 500, data[500:]).status_code == 410
    abandoned = _open(olga, "b.mp4", len(data)).json()["id"]
    _patch(olga, abandoned, 0, data[:700])
    fresh = _open(olga, "c.mp4", len(data)).json()["id"]
    orphan = runtime.settings.vod_dir / "uploads" / ("f" * 32)
    orphan.mkdir()
    (orphan / "left.mp4").write_bytes(b"x")
    assert _leftovers(app) != []
    later = utcnow() + timedelta(hours=runtime.settings.vod_upload_stale_h, minutes=1)
    with runtime.db.session() as session:  # the fresh one was active just now
        session.get(VodUpload, fresh).updated_at = later - timedelta(minutes=2)
    purged = uploads.purge_stale(runtime.settings, runtime.db, now=later)
    assert sorted(purged) == sorted([abandoned, orphan.name])
    assert olga("GET", f"{UPLOADS}/{abandoned}").json()["state"] == "expired"
    assert olga("GET", f"{UPLOADS}/{aborted}").json()["state"] == "aborted"
    assert [p.parent.name for p in _leftovers(app)] == [fresh]


def test_an_upload_to_a_running_server_is_transcoded(
    server_factory: type[Server], data_dir: Path, clips: Clips
) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "yunjin",
            "admin",
            "add",
            "olga",
            "--password",
            "olga-password",
            "--data",
            str(data_dir),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, **FAST_ENV},
        timeout=60,
    )
    server = server_factory(data_dir).start()
    token = httpx.post(
        f"{server.base}/api/v1/admin/login",
        json={"username": "olga", "password": "olga-password"},
        timeout=10,
    ).json()["session"]
    auth = {"Authorization": f"Bearer {token}"}
    data = clips.good.read_bytes()
    opened = httpx.post(
        f"{server.base}{UPLOADS}",
        json={"filename": "新片.mp4", "size": len(data), "title": "xinpian", "title_zh": "新片"},
        headers=auth,
        timeout=10,
    )
    assert opened.status_code == 201, opened.text
    location = server.base + opened.headers["Location"]
    offset = 0
    for start in range(0, len(data), 64 * 1024):
        answer = httpx.patch(
            location,
            content=data[start : start + 64 * 1024],
            headers=auth | {"Upload-Offset": str(offset)},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        offset = int(answer.headers["Upload-Offset"])
    job = answer.json()["asset_detail"]["job"]["id"]

    def finished() -> dict[str, Any] | None:
        body: dict[str, Any] = httpx.get(
            f"{server.base}/api/v1/vod/jobs/{job}", headers=auth, timeout=10
        ).json()
        return body if body["state"] in ("done", "failed") else None

    ended = wait_for(finished, 60, "the server's own consumer to transcode")
    assert ended["state"] == "done", (ended["error"], server.output())
    assert ended["percent"] == 100.0
    asset = httpx.get(f"{server.base}/api/v1/vod/assets/{ended['asset']}", headers=auth).json()
    assert asset["state"] == "ready"
    assert asset["master"].endswith("master.m3u8")
    assert server.stop() in (0, -signal.SIGTERM)  # uvicorn re-raises it after shutting down
