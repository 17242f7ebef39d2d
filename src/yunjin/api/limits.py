"""Request-body limits per route class, enforced as the bytes arrive (ADR 0028).

Every HTTP request falls in one class by its method and path (:func:`body_class`): JSON, the
default; the console's forms; a citizen's tip; a media-library upload; a chunk of a
resumable VOD upload. :class:`BodyLimit` is pure ASGI middleware in front of everything
that could buffer a body: a ``Content-Length`` above the class's cap is refused before a
byte is read, and a body without one (chunked) is counted as it arrives and refused as
soon as it passes the cap. The refusal is a 413 with the bilingual error of
``yunjin.api.errors``; the connection is closed so that the rest is never read. Routes
that take large bodies stream them to disk themselves (``vod.uploads.receive``, Starlette's
spooled multipart files): the cap bounds what reaches them, not what they hold in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yunjin.api.errors import error_body
from yunjin.config import Settings
from yunjin.newsroom import console_web, library_files, tip_media

MB: Final = 1024 * 1024
JSON_BYTES: Final = MB
TIP_BYTES: Final = tip_media.MAX_PHOTOS * tip_media.MAX_PHOTO_BYTES + tip_media.MAX_VIDEO_BYTES + MB
LIBRARY_BYTES: Final = library_files.MAX_VIDEO_BYTES + MB


class BodyClass(StrEnum):
    JSON = "json"  # every route not named below: JSON or nothing
    FORM = "form"  # the staff console's url-encoded forms
    TIP = "tip"  # a citizen's tip: text, photos and a video, multipart
    LIBRARY = "library"  # an upload to a centre's media library, multipart
    VOD_CHUNK = "vod_chunk"  # a chunk of a resumable VOD upload, raw bytes


# (class, method, path); the first that matches decides, else JSON
ROUTES: Final = (
    (BodyClass.VOD_CHUNK, "PATCH", re.compile(r"/api/v1/vod/uploads/[0-9a-f]{32}")),
    (BodyClass.LIBRARY, "POST", re.compile(r"/api/v1/newsroom/tenants/[^/]+/library")),
    (BodyClass.LIBRARY, "POST", re.compile(rf"{console_web.PATH}/centres/[^/]+/library")),
    (BodyClass.TIP, "POST", re.compile(r"/api/v1/tips")),
    (BodyClass.FORM, "POST", re.compile(rf"{console_web.PATH}/.*")),
)


def body_class(method: str, path: str) -> BodyClass:
    """The class of a request's body, by its method and path."""
    for kind, wanted, pattern in ROUTES:
        if method == wanted and pattern.fullmatch(path):
            return kind
    return BodyClass.JSON


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """The most bytes a body of each class may have."""

    vod_chunk: int
    json: int = JSON_BYTES
    form: int = console_web.MAX_FORM_BYTES
    tip: int = TIP_BYTES
    library: int = LIBRARY_BYTES

    @classmethod
    def of(cls, settings: Settings) -> BodyLimits:
        """A VOD chunk may be as large as a whole upload (the upload checks its own size)."""
        return cls(vod_chunk=int(settings.vod_upload_max_gb * 1024**3))

    def cap(self, kind: BodyClass) -> int:
        limit: int = getattr(self, kind.value)
        return limit


def size_text(limit: int) -> str:
    """``1 MB``, ``391 MB``, ``200 GB``: a cap as people read it (1024-based)."""
    if limit >= 1024**3 and limit % (1024**3) == 0:
        return f"{limit // 1024**3} GB"
    if limit >= MB:
        return f"{limit // MB} MB"
    return f"{max(1, limit // 1024)} KB"


class BodyTooLarge(Exception):
    """Raised into the app by the counting ``receive``; the 413 has been sent already."""


class BodyLimit:
    """Pure ASGI middleware: refuse a body above its class's cap, before it is buffered."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.limits.cap(body_class(scope["method"], scope["path"]))
        stated = _content_length(scope)
        if stated is not None and stated > cap:
            await _refuse(scope, send, cap)
            return
        exchange = _Exchange(scope, receive, send, cap)
        try:
            await self.app(scope, exchange.receive, exchange.send)
        except BodyTooLarge:
            if not exchange.refused:  # raised by a nested app of ours: answer it here
                await exchange.refuse()


class _Exchange:
    """One request's ``receive`` that counts, and a ``send`` that stays silent once the
    413 went out (an app that caught the error may still try to answer)."""

    def __init__(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        self.cap = cap
        self.seen = 0
        self.started = False
        self.refused = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.cap:
                await self.refuse()
                raise BodyTooLarge()
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)

    async def refuse(self) -> None:
        if self.refused or self.started:
            return  # too late for a status: the connection just ends
        self.refused = True
        await _refuse(self.scope, self._send, self.cap)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server itself refuses a malformed length
    return None


async def _refuse(scope: Scope, send: Send, cap: int) -> None:
    body = error_body(Request(scope), "body_too_large", limit=size_text(cap))
    response = JSONResponse(body, status_code=413, headers={"Connection": "close"})
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
