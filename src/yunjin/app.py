"""The ASGI application: routers, error handlers and the runtime's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from yunjin import __version__
from yunjin.api import channels, hls
from yunjin.api.errors import (
    ApiError,
    api_error_handler,
    http_error_handler,
    validation_error_handler,
)
from yunjin.config import Settings
from yunjin.live.channels import ChannelView
from yunjin.runtime import Runtime


def create_app(settings: Settings) -> FastAPI:
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title="Yunjin 云锦", version=__version__, lifespan=lifespan)
    app.state.runtime = runtime
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.include_router(hls.router)
    app.include_router(channels.router)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        recorders = runtime.pool.recorders.values()
        return {
            "status": "ok",
            "version": __version__,
            "channels": len(runtime.channels),
            "recording": sum(1 for r in recorders if r.status.state == "recording"),
        }

    @app.get("/playlist.m3u", response_class=PlainTextResponse)
    async def playlist_m3u(request: Request) -> PlainTextResponse:
        """Every enabled channel's live URL, for VLC and other players."""
        base = runtime.settings.base_url
        body = render_m3u(base, list(runtime.channels.values()))
        return PlainTextResponse(body, media_type="audio/x-mpegurl")

    return app


def render_m3u(base_url: str, channels: list[ChannelView]) -> str:
    lines = ["#EXTM3U"]
    for c in channels:
        if not c.enabled:
            continue
        lines.append(
            f'#EXTINF:-1 tvg-id="{c.tvg_id}" tvg-chno="{c.number}" tvg-name="{c.name_zh}" '
            f'group-title="{c.group}" catchup="default" catchup-days="{c.catchup_days}" '
            f'catchup-source="{base_url}/hls/{c.tvg_id}/archive-{{utc}}-{{duration}}.m3u8",'
            f"{c.name_zh}"
        )
        lines.append(f"{base_url}/hls/{c.tvg_id}/index.m3u8")
    return "\n".join(lines) + "\n"
