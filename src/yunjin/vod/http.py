"""The VOD catalog over HTTP: search and a title's page. Public, like the guide; a logged-in
box or phone also gets its household's resume points on a title's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.play import current_session
from yunjin.vod.catalog import SEARCH_LIMIT, CatalogError, TitleKind, search_titles, title_view
from yunjin.vod.playback import title_resume
from yunjin.vod.schemas import AssetResumeAt, TitleHit, TitlePage, TitleSearch

router = APIRouter()


@router.get("/api/v1/vod/search")
def vod_search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=SEARCH_LIMIT)] = 50,
    kind: TitleKind | None = None,
) -> TitleSearch:
    """Titles by characters, pinyin or initials (新闻, xinwenlianbo, XWLB), best first."""
    with runtime_of(request).db.session() as session:
        try:
            hits = search_titles(session, q, limit, kind)
        except CatalogError as error:
            raise ApiError(400, error.code, error.values) from error
    return TitleSearch(query=q, titles=[TitleHit.of(hit) for hit in hits])


@router.get("/api/v1/vod/titles/{code}", response_model_exclude_unset=True)
def vod_title(
    request: Request, code: str, authorization: Annotated[str | None, Header()] = None
) -> TitlePage:
    """A title with its categories, and a series with its seasons and episodes.

    With a box's or phone's session (``Authorization: Bearer …``), ``resume`` lists where the
    household stopped in it (per episode of a series), newest first.
    """
    runtime = runtime_of(request)
    who = current_session(runtime, authorization) if authorization else None
    with runtime.db.session() as session:
        try:
            view = title_view(session, code)
        except CatalogError as error:
            raise ApiError(404, error.code, error.values) from error
        if who is None:
            return TitlePage.of(view)
        resume = title_resume(session, who.household_id, code)
    return TitlePage.of(view).model_copy(
        update={"resume": [AssetResumeAt.of(found) for found in resume]}
    )
