"""The ASGI application: routers, error handlers and the runtime's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from yunjin import __version__
from yunjin.api import (
    admin,
    channels,
    epg,
    hls,
    play,
    secure,
    vod_play,
    vod_secure,
    xtream,
    xtream_vod,
)
from yunjin.api.errors import (
    ApiError,
    api_error_handler,
    http_error_handler,
    validation_error_handler,
)
from yunjin.api.limits import BodyLimit, BodyLimits
from yunjin.api.schemas import Health
from yunjin.config import Settings
from yunjin.newsroom import console, console_citizens, console_desk, console_library
from yunjin.newsroom import feeds_http as feeds
from yunjin.newsroom import http as newsroom
from yunjin.newsroom import interaction_http as interaction
from yunjin.newsroom import library_http as library
from yunjin.newsroom import moderation_http as moderation
from yunjin.newsroom import public_http as zones_public
from yunjin.portal import http as portal
from yunjin.runtime import Runtime
from yunjin.vod import browse_http as vod_browse
from yunjin.vod import http as vod
from yunjin.vod import ingest_http as vod_ingest


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

    @app.get("/healthz")
    async def healthz() -> Health:
        recorders = runtime.pool.recorders.values()
        return Health(
            status="ok",
            version=__version__,
            role=runtime.role,
            node=runtime.node_id,
            channels=len(runtime.channels),
            recording=sum(1 for r in recorders if r.status.state == "recording"),
        )

    if runtime.role == "recorder":  # it records its share; the api nodes serve (ADR 0033)
        return app
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_middleware(BodyLimit, limits=BodyLimits.of(settings))  # before anything buffers
    app.include_router(hls.router)
    app.include_router(secure.router)
    app.include_router(vod_secure.router)
    app.include_router(channels.router)
    app.include_router(epg.router)
    app.include_router(play.router)
    app.include_router(vod_play.router)
    app.include_router(admin.router)
    app.include_router(portal.router)
    app.mount("/portal/static", StaticFiles(directory=portal.STATIC), name="portal-static")
    app.include_router(vod.router)
    app.include_router(vod_browse.router)
    app.include_router(vod_ingest.router)
    app.include_router(newsroom.router)
    app.include_router(zones_public.router)
    app.include_router(console.router)
    app.include_router(console_desk.router)
    app.include_router(console_citizens.router)
    app.include_router(console_library.router)
    app.include_router(feeds.router)
    app.include_router(interaction.router)
    app.include_router(moderation.router)
    app.include_router(library.router)
    app.include_router(xtream_vod.router)
    app.include_router(xtream.router)  # last: its /{user}/{pass}/{id} catches the rest
    return app
