"""Request bodies as an outsider sends them: too large, stated or chunked, anonymous.

The limit is the ASGI stack's (``api.limits``): a stated length over a route class's cap is
refused before a byte is read, a chunked body as soon as it passes the cap, with a 413 in
both languages. The done-when of issue #12 is measured on a real ``yunjin serve``: a 200 MB
anonymous POST leaves the server's resident memory within 20 MB of where it was.
"""

from __future__ import annotations

import select
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from tests.conftest import Server
from tests.helpers import run_async
from yunjin.api.limits import (
    JSON_BYTES,
    LIBRARY_BYTES,
    TIP_BYTES,
    BodyClass,
    BodyLimit,
    BodyLimits,
    BodyTooLarge,
    body_class,
    size_text,
)
from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.newsroom import console_web, interaction_http, library_files

MB = 1024 * 1024
UPLOAD_ID = "0123456789abcdef0123456789abcdef"


# -- which class a route is (pure) -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("POST", "/api/v1/auth/login", BodyClass.JSON),
        ("POST", "/api/v1/admin/login", BodyClass.JSON),
        ("PUT", "/api/v1/vod/resume", BodyClass.JSON),
        ("POST", "/api/v1/vod/uploads", BodyClass.JSON),  # opening an upload is JSON
        ("PATCH", f"/api/v1/vod/uploads/{UPLOAD_ID}", BodyClass.VOD_CHUNK),
        ("PATCH", "/api/v1/vod/uploads/../../admin", BodyClass.JSON),
        ("POST", "/api/v1/newsroom/tenants/510104/library", BodyClass.LIBRARY),
        ("POST", "/console/centres/510104/library", BodyClass.LIBRARY),
        ("POST", "/console/login", BodyClass.FORM),
        ("POST", "/console/stories/7/edit", BodyClass.FORM),
        ("POST", "/api/v1/tips", BodyClass.TIP),
        ("GET", "/api/v1/tips", BodyClass.JSON),
        ("POST", "/api/v1/tips/extra", BodyClass.JSON),
        ("POST", "/xtream/a/b/c", BodyClass.JSON),
    ],
)
def test_every_route_falls_in_one_class(method: str, path: str, kind: BodyClass) -> None:
    assert body_class(method, path) is kind


def test_the_caps_of_each_class() -> None:
    limits = BodyLimits.of(load_settings(data_dir=Path("/nonexistent"), vod_upload_max_gb=2))
    assert limits.cap(BodyClass.JSON) == JSON_BYTES == MB
    assert limits.cap(BodyClass.FORM) == console_web.MAX_FORM_BYTES
    assert limits.cap(BodyClass.TIP) == TIP_BYTES
    assert limits.cap(BodyClass.LIBRARY) == LIBRARY_BYTES
    assert limits.cap(BodyClass.VOD_CHUNK) == 2 * 1024**3
    # the same caps the routes themselves state, so neither refuses what the other takes
    assert TIP_BYTES == interaction_http.MAX_FORM_BYTES
    assert LIBRARY_BYTES == library_files.MAX_VIDEO_BYTES + (1 << 20)
    assert [size_text(n) for n in (MB, TIP_BYTES, 2 * 1024**3, 1000)] == [
        "1 MB",
        "391 MB",
        "2 GB",
        "1 KB",
    ]


# -- the middleware alone -----------------------------------------------------------------


class Echo:
    """An app that reads the whole body (as a JSON route does) and says how much came."""

    def __init__(self) -> None:
        self.received = 0
        self.answered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        self.received += 1
        try:
            body = await request.body()
        except BodyTooLarge:  # FastAPI makes any error reading a body a 400
            response = JSONResponse({"error": "parsing"}, status_code=400)
        else:
            response = JSONResponse({"bytes": len(body)})
        self.answered += 1
        await response(scope, receive, send)


def run(app: Any, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://yunjin") as client:
            return await client.post("/api/v1/auth/login", content=body, headers=headers or {})

    return run_async(go())


def limited(echo: Echo) -> BodyLimit:
    return BodyLimit(echo, BodyLimits(vod_chunk=MB, json=64 * 1024))


def test_a_stated_length_over_the_cap_is_refused_before_the_app_runs() -> None:
    echo = Echo()
    answer = run(limited(echo), b"x" * (64 * 1024 + 1), {"Accept-Language": "zh-CN"})
    assert answer.status_code == 413
    assert answer.headers["connection"] == "close"
    error = answer.json()["error"]
    assert error["code"] == "body_too_large"
    assert error["messages"]["en"] == (
        "The request body is larger than 64 KB, the most this address takes."
    )
    assert error["message"] == error["messages"]["zh-CN"]
    assert "64 KB" in error["messages"]["zh-CN"]
    assert echo.received == 0


def test_a_chunked_body_is_counted_as_it_arrives() -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):  # 100 × 16 KB, no length stated
            sent.append(1)
            yield b"y" * 16 * 1024

    echo = Echo()
    answer = run(limited(echo), chunks())
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "body_too_large"
    assert echo.answered == 1  # the app's own late answer was dropped …
    assert len(sent) <= 6  # … and the body stopped being read just past the cap


def test_a_body_within_the_cap_passes_untouched() -> None:
    echo = Echo()
    answer = run(limited(echo), b"z" * 64 * 1024)
    assert (answer.status_code, answer.json()) == (200, {"bytes": 64 * 1024})


# -- through the application --------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    application = create_app(load_settings(data_dir=tmp_path_factory.mktemp("data"), record=False))
    yield application
    application.state.runtime.db.close()


def test_an_anonymous_login_of_two_megabytes_is_refused(app: Any) -> None:
    body = b'{"account": "' + b"a" * 2 * MB + b'", "password": "p"}'
    answer = run(app, body)
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "body_too_large"


def test_a_console_form_over_its_cap_is_refused_before_it_is_read(app: Any) -> None:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://yunjin") as client:

            async def form() -> AsyncIterator[bytes]:
                yield b"username=a&password="
                for _ in range(40):
                    yield b"p" * 64 * 1024

            return await client.post(
                "/console/login",
                content=form(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )

    answer = run_async(go())
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "body_too_large"


# -- the done-when: a real server's memory ------------------------------------------------


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def hostile_post(port: int, path: str, total: int, *, chunked: bool) -> int | None:
    """POST ``total`` bytes of JSON as fast as the server takes them, reading its answer as
    soon as there is one; the answer's status (None if the server just hung up)."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{framing}\r\n\r\n"
    )
    piece = b"a" * 256 * 1024
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head.encode())
        sent = 0
        try:
            while sent < total:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                data = piece[: total - sent]
                sock.sendall(b"%x\r\n%b\r\n" % (len(data), data) if chunked else data)
                sent += len(data)
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while b"\r\n" not in answer and (data := sock.recv(65536)):
                answer += data
        except ConnectionResetError:
            pass
    return int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else None


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_200_mb_anonymous_post_leaves_the_server_as_it_was(
    server_factory: type[Server], data_dir: Path, chunked: bool
) -> None:
    server = server_factory(data_dir).start()
    assert server.process is not None
    warm = httpx.post(f"{server.base}/api/v1/auth/login", json={"account": "a", "password": "b"})
    assert warm.status_code in (400, 401, 403)
    before = rss_bytes(server.process.pid)
    status = hostile_post(server.port, "/api/v1/auth/login", 200 * MB, chunked=chunked)
    grown = rss_bytes(server.process.pid) - before
    assert grown < 20 * MB, f"the server grew by {grown / MB:.0f} MB"
    assert status == 413
    assert server.get("/healthz").status_code == 200
