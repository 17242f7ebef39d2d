"""Browsing VOD in the portals: shelves of playable titles and their posters. Public, like
the catalog's search: what is on offer is no secret, the films are (they play through the gate).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy import select

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.db.models import VodAsset
from yunjin.delivery.tokens import ASSET
from yunjin.vod.assets import AssetState, media_dir
from yunjin.vod.schemas import ShelfView, Shelves
from yunjin.vod.shelves import SHELF_LIMIT, shelves

router = APIRouter(prefix="/api/v1/vod", tags=["vod catalog"])


@router.get("/shelves")
def vod_shelves(
    request: Request, limit: Annotated[int, Query(ge=1, le=SHELF_LIMIT)] = 20
) -> Shelves:
    """New arrivals, then each category with titles that play now (a published asset)."""
    with runtime_of(request).db.session() as session:
        found = shelves(session, limit)
    return Shelves(shelves=[ShelfView.of(shelf) for shelf in found])


@router.get(
    "/posters/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}, "description": "the poster"}},
)
def vod_poster(request: Request, name: str) -> FileResponse:
    """A published asset's poster, ``{asset}.jpg``."""
    runtime = runtime_of(request)
    code, dot, extension = name.rpartition(".")
    if not dot or extension != "jpg" or not ASSET.match(code):
        raise ApiError(404, "not_found")
    with runtime.db.session() as session:
        ready = session.scalar(
            select(VodAsset.id).where(
                VodAsset.code == code, VodAsset.state == AssetState.READY.value
            )
        )
    poster = media_dir(runtime.settings, code) / "poster.jpg"
    if ready is None or not poster.is_file():
        raise ApiError(404, "not_found")
    return FileResponse(poster, media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})
