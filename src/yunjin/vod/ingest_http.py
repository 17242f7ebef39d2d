"""VOD ingest over HTTP, for operator staff: resumable uploads, jobs and assets.

Uploads follow tus in spirit (``docs/vod-ingest.md``): ``POST`` opens one, ``PATCH`` with
``Upload-Offset`` sends a chunk, ``HEAD`` tells the offset to resume from, ``DELETE`` gives
up. Staff authenticate with the bearer session of ``/api/v1/admin/login``; operators change,
every role reads.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Final

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, Field

from yunjin.api.deps import require_admin, runtime_of
from yunjin.api.errors import ApiError
from yunjin.subscribers.staff import Role
from yunjin.vod import assets, uploads
from yunjin.vod.assets import IngestError, IngestTarget, JobState
from yunjin.vod.probe import PROBE_MESSAGES
from yunjin.vod.sandbox import REFUSAL_CODES
from yunjin.vod.schemas import Asset, Job, Jobs, ReceivedUpload, Upload

router = APIRouter(prefix="/api/v1/vod", tags=["vod-ingest"])

EVERYONE: Final = (Role.OPERATOR, Role.SUPPORT, Role.VIEWER)
OPERATOR: Final = (Role.OPERATOR,)
UPLOAD_ID = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
STATUS: Final = {
    "vod_title_not_found": 404,
    "vod_season_not_found": 404,
    "vod_episode_not_found": 404,
    "vod_upload_not_found": 404,
    "vod_job_not_found": 404,
    "vod_asset_not_found": 404,
    "vod_upload_offset_mismatch": 409,
    "vod_job_not_cancellable": 409,
    "vod_job_not_retryable": 409,
    "vod_upload_closed": 410,
    "vod_upload_too_large": 413,
    "vod_upload_overflow": 413,
    "vod_upload_no_space": 507,
} | dict.fromkeys((*PROBE_MESSAGES, *REFUSAL_CODES), 422)


def _refused(error: IngestError) -> ApiError:
    extra: dict[str, object] = {}
    if error.code == "vod_upload_offset_mismatch":
        extra["offset"] = error.values["offset"]
    return ApiError(STATUS.get(error.code, 400), error.code, error.values, extra)


class NewUpload(BaseModel):
    filename: str = Field(min_length=1, max_length=1000)
    size: int
    title: str = Field(min_length=1, max_length=64)
    title_zh: str = Field(default="", max_length=300)
    season: int | None = None
    episode: int | None = None


@router.post("/uploads", status_code=201)
def open_upload(
    request: Request,
    body: NewUpload,
    response: Response,
    authorization: Annotated[str | None, Header()] = None,
) -> Upload:
    """Open a resumable upload; answers its id (and ``Location``) to PATCH chunks to."""
    runtime = runtime_of(request)
    staff = require_admin(runtime, authorization, OPERATOR)
    target = IngestTarget(body.title, body.title_zh, season=body.season, episode=body.episode)
    try:
        view = uploads.create_upload(
            runtime.settings, runtime.db, body.filename, body.size, target, f"admin:{staff}"
        )
    except IngestError as error:
        raise _refused(error) from error
    response.headers["Location"] = f"/api/v1/vod/uploads/{view.id}"
    response.headers["Upload-Offset"] = "0"
    return Upload.of(view)


@router.head("/uploads/{upload_id}")
def upload_offset(
    request: Request,
    upload_id: UPLOAD_ID,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """The offset to resume from, in ``Upload-Offset`` (and the size in ``Upload-Length``)."""
    runtime = runtime_of(request)
    require_admin(runtime, authorization, EVERYONE)
    try:
        view = uploads.upload_view(runtime.settings, runtime.db, upload_id)
    except IngestError as error:
        raise _refused(error) from error
    return Response(
        headers={
            "Upload-Offset": str(view.offset),
            "Upload-Length": str(view.size_bytes),
            "Upload-State": view.state.value,
            "Cache-Control": "no-store",
        }
    )


@router.get("/uploads/{upload_id}")
def upload_status(
    request: Request,
    upload_id: UPLOAD_ID,
    authorization: Annotated[str | None, Header()] = None,
) -> Upload:
    runtime = runtime_of(request)
    require_admin(runtime, authorization, EVERYONE)
    try:
        return Upload.of(uploads.upload_view(runtime.settings, runtime.db, upload_id))
    except IngestError as error:
        raise _refused(error) from error


@router.patch("/uploads/{upload_id}")
async def upload_chunk(
    request: Request,
    response: Response,
    upload_id: UPLOAD_ID,
    upload_offset: Annotated[int, Header(ge=0)],
    content_length: Annotated[int | None, Header(ge=0)] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> ReceivedUpload:
    """A chunk at ``Upload-Offset``, streamed to disk; the last one ingests the file."""
    runtime = runtime_of(request)
    await asyncio.to_thread(require_admin, runtime, authorization, OPERATOR)
    try:
        received = await uploads.receive(
            runtime.settings,
            runtime.db,
            runtime.vod_queue,
            upload_id,
            upload_offset,
            request.stream(),
            content_length,
        )
    except IngestError as error:
        raise _refused(error) from error
    response.headers["Upload-Offset"] = str(received.upload.offset)
    return ReceivedUpload.received(received.upload, received.asset)


@router.delete("/uploads/{upload_id}", status_code=204)
def abort_upload(
    request: Request,
    upload_id: UPLOAD_ID,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """Give up an upload; its bytes are removed."""
    runtime = runtime_of(request)
    require_admin(runtime, authorization, OPERATOR)
    try:
        uploads.abort(runtime.settings, runtime.db, upload_id)
    except IngestError as error:
        raise _refused(error) from error
    return Response(status_code=204)


@router.get("/jobs")
def jobs(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    state: JobState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Jobs:
    """Transcode jobs, newest first: state, percent, fps, ETA, worker."""
    runtime = runtime_of(request)
    require_admin(runtime, authorization, EVERYONE)
    return Jobs(jobs=[Job.of(job) for job in assets.list_jobs(runtime.db, state, limit)])


@router.get("/jobs/{job_id}")
def job(
    request: Request, job_id: int, authorization: Annotated[str | None, Header()] = None
) -> Job:
    runtime = runtime_of(request)
    require_admin(runtime, authorization, EVERYONE)
    try:
        return Job.of(assets.job_view(runtime.db, job_id))
    except IngestError as error:
        raise _refused(error) from error


@router.post("/jobs/{job_id}/cancel")
def cancel(
    request: Request, job_id: int, authorization: Annotated[str | None, Header()] = None
) -> Job:
    """Cancel a queued job at once, a running one within seconds."""
    runtime = runtime_of(request)
    require_admin(runtime, authorization, OPERATOR)
    try:
        return Job.of(assets.cancel_job(runtime.db, job_id))
    except IngestError as error:
        raise _refused(error) from error


@router.post("/jobs/{job_id}/retry")
def retry(
    request: Request, job_id: int, authorization: Annotated[str | None, Header()] = None
) -> Job:
    """Queue a failed or cancelled job again."""
    runtime = runtime_of(request)
    require_admin(runtime, authorization, OPERATOR)
    try:
        return Job.of(assets.retry_job(runtime.db, runtime.vod_queue, job_id))
    except IngestError as error:
        raise _refused(error) from error


@router.get("/assets/{code}")
def asset(
    request: Request,
    code: Annotated[str, Path(pattern=r"^[a-z2-7]{12}$")],
    authorization: Annotated[str | None, Header()] = None,
) -> Asset:
    """An asset: its probe summary, state, rungs once ready, and its job."""
    runtime = runtime_of(request)
    require_admin(runtime, authorization, EVERYONE)
    try:
        return Asset.of(assets.asset_view(runtime.db, code))
    except IngestError as error:
        raise _refused(error) from error
