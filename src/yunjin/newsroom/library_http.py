"""A centre's media library over HTTP: upload a video, an image or a text, list, read,
delete; and the public address of a library image.

Staff use their newsroom sessions (``Authorization: Bearer``). An upload is one
``multipart/form-data`` request — ``kind`` (video | image | text), ``title``, ``title_en`` and one
``file`` — that must state its length (``Content-Length``, at most the video limit): the
gate and the length are checked before a byte of the body is read. A video goes into the
VOD pipeline (``vod.assets.ingest_file``: probed, kept, its transcode queued) and its
state and percent are read back from the asset and its job; an image is checked and
re-encoded (``library_files``). A text item comes in the same form (``kind=text`` with a
``body`` field and its ``format``, or a ``.txt`` / ``.html`` file) or as a JSON object
with the same names (``library_texts``). A refused upload, or one that stops half-way,
leaves no row and no file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import ClientDisconnect

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.i18n import register
from yunjin.newsroom import library, library_files, library_texts, library_uploads
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.library import MediaKind
from yunjin.newsroom.permissions import Actor
from yunjin.vod.assets import IngestError
from yunjin.vod.probe import PROBE_MESSAGES
from yunjin.vod.sandbox import REFUSAL_CODES

router = APIRouter(tags=["newsroom-library"])
PREFIX: Final = "/api/v1/newsroom"
T = TypeVar("T")
FIELDS: Final = ("kind", "title", "title_en", "body", "format")
FIELD_BYTES: Final = library_texts.MAX_TEXT_BYTES + 64 * 1024  # a text's body is a field
JSON_BYTES: Final = 1 << 20
Authorization = Annotated[str | None, Header()]
STATUS: Final = {
    "newsroom_login_required": 401,
    "newsroom_media_incomplete": 400,
    "newsroom_other_tenant": 403,
    "newsroom_role_forbidden": 403,
    "newsroom_wrong_state": 409,
    "newsroom_media_in_use": 409,
    "newsroom_media_upload_too_large": 413,
    "newsroom_media_file_too_large": 413,
    "newsroom_media_empty": 422,
    "newsroom_media_not_image": 422,
    "newsroom_media_image_broken": 422,
    "newsroom_media_too_many_pixels": 422,
    "newsroom_media_text_empty": 422,
    "newsroom_media_text_not_utf8": 422,
    "newsroom_media_text_bad_file": 422,
    "newsroom_media_text_too_large": 413,
    "vod_bad_filename": 400,
} | dict.fromkeys((*PROBE_MESSAGES, *REFUSAL_CODES), 422)

register(
    {
        "newsroom_media_upload_too_large": (
            "An upload is at most {limit} MB and states its size (Content-Length).",
            "上传文件最多 {limit} MB，且须声明大小（Content-Length）。",
        ),
        "newsroom_media_no_file": (
            'Send one file, in the form field "file".',
            "请在表单字段“file”中上传一个文件。",
        ),
        "newsroom_media_incomplete": (
            "The upload stopped before the whole file arrived; nothing was kept. Send it again.",
            "上传在文件传完之前中断，未保存任何内容。请重新上传。",
        ),
        "newsroom_media_bad_json": (
            "A text item as JSON is one object of strings: kind, title, title_en, body, format.",
            "以 JSON 提交的文稿条目须为一个字符串字段对象：kind、title、title_en、body、format。",
        ),
        "newsroom_media_bad_form": (
            "An upload is a multipart/form-data form: {reason}.",
            "上传须为 multipart/form-data 表单：{reason}。",
        ),
    }
)


def _status(code: str) -> int:
    return 404 if code.endswith("_not_found") else STATUS.get(code, 400)


def _refusal(error: NewsroomError | IngestError) -> ApiError:
    return ApiError(_status(error.code), error.code, error.values)


def _run(request: Request, authorization: str | None, work: Callable[[Session, Actor], T]) -> T:
    """``work`` as the logged-in staff member, in one transaction."""
    try:
        return library_uploads.as_staff(runtime_of(request).db, _bearer(authorization), work)
    except NewsroomError as error:
        raise _refusal(error) from error


# -- upload ----------------------------------------------------------------------------


@router.post(f"{PREFIX}/tenants/{{code}}/library", status_code=201)
async def upload(request: Request, code: str, authorization: Authorization = None) -> Any:
    """Add a video, an image or a text to the centre's library (``multipart/form-data``:
    ``kind``, ``title``, ``title_en``, ``file``, or ``body`` and ``format`` for a text; a
    text also as a JSON object of the same names)."""
    runtime = runtime_of(request)
    token = _bearer(authorization)
    try:
        await run_in_threadpool(library_uploads.check_upload, runtime.db, token, code)
    except NewsroomError as error:
        raise _refusal(error) from error
    if request.headers.get("content-type", "").startswith("application/json"):
        fields = await read_text_json(request)
        try:
            return await run_in_threadpool(
                library_uploads.receive_text, runtime.db, token, code, fields, "", None
            )
        except NewsroomError as error:
            raise _refusal(error) from error
    form = await read_upload_form(request)
    try:
        fields, upload_file = form_parts(form)
        return await run_in_threadpool(
            library_uploads.receive_upload,
            runtime.settings,
            runtime.db,
            runtime.vod_queue,
            token,
            code,
            fields,
            upload_file.filename or "" if upload_file else "",
            upload_file.file if upload_file else None,
        )
    except (NewsroomError, IngestError) as error:
        raise _refusal(error) from error
    finally:
        await form.close()


async def read_upload_form(request: Request) -> FormData:
    """The upload's form, once its stated length is within the limit; a client that goes
    away before the end is refused (its spooled parts are freed by Starlette)."""
    length = request.headers.get("content-length", "")
    limit = library_files.MAX_VIDEO_BYTES + (1 << 20)
    if not length.isdigit() or int(length) > limit:
        raise ApiError(413, "newsroom_media_upload_too_large", {"limit": limit // library_files.MB})
    try:
        return await request.form(max_files=1, max_fields=8, max_part_size=FIELD_BYTES)
    except ClientDisconnect:
        raise ApiError(400, "newsroom_media_incomplete") from None


async def read_text_json(request: Request) -> dict[str, str]:
    """A text item sent as JSON: one object of strings, its stated length within bounds."""
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > JSON_BYTES:
        raise ApiError(413, "newsroom_media_upload_too_large", {"limit": 1})
    try:
        found = json.loads(await request.body())
    except ClientDisconnect:
        raise ApiError(400, "newsroom_media_incomplete") from None
    except ValueError:
        raise ApiError(400, "newsroom_media_bad_json") from None
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        raise ApiError(400, "newsroom_media_bad_json")
    if found.get("kind", MediaKind.TEXT.value) != MediaKind.TEXT.value:
        raise ApiError(400, "newsroom_media_no_file")  # a video or an image is a file
    return {n: found.get(n, "") for n in FIELDS} | {"kind": MediaKind.TEXT.value}


def form_parts(form: FormData) -> tuple[dict[str, str], UploadFile | None]:
    """The form's fields and its one file; a file input left empty counts as none."""
    files = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
    chosen = [f for f in files if f.filename or f.size]
    if len(chosen) > 1:
        raise NewsroomError("newsroom_media_no_file")
    texts = {n: form.get(n) for n in (*FIELDS, "csrf")}
    fields = {n: v if isinstance(v, str) else "" for n, v in texts.items()}
    return fields, chosen[0] if chosen else None


def _bearer(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "newsroom_login_required")
    return authorization[7:].strip()


# -- reading and deleting --------------------------------------------------------------


@router.get(f"{PREFIX}/tenants/{{code}}/library")
def tenant_library(
    request: Request, code: str, authorization: Authorization = None, kind: MediaKind | None = None
) -> dict[str, Any]:
    """The centre's videos (with their transcode's state and percent), images and texts
    (an excerpt each; one item's ``GET`` has the whole body)."""

    def listing(session: Session, actor: Actor) -> dict[str, Any]:
        return {"items": library.items_json(session, library.items_of(session, actor, code, kind))}

    return _run(request, authorization, listing)


@router.get(f"{PREFIX}/library/{{media_id}}")
def library_item(
    request: Request, media_id: int, authorization: Authorization = None
) -> dict[str, Any]:
    return _run(
        request,
        authorization,
        lambda s, actor: library.items_json(
            s, [library.get_item(s, actor, media_id)], with_body=True
        )[0],
    )


@router.delete(f"{PREFIX}/library/{{media_id}}", status_code=204)
def delete_library_item(
    request: Request, media_id: int, authorization: Authorization = None
) -> Response:
    """Remove an item no story version uses (the centre's editors and admins)."""
    runtime = runtime_of(request)
    path = _run(request, authorization, lambda s, actor: library.delete_item(s, actor, media_id))
    if path is not None:  # committed: the image goes too
        (runtime.settings.data_dir / path).unlink(missing_ok=True)
    return Response(status_code=204)


# -- public images ---------------------------------------------------------------------


@router.get(f"{library.IMAGE_ROUTE}/{{name}}")
def library_image(request: Request, name: str) -> FileResponse:
    """A library image by its key, as a story's ``images`` carry it."""
    runtime = runtime_of(request)
    key = library.image_key(f"{library.IMAGE_ROUTE}/{name}")
    found = None
    if key is not None:
        with runtime.db.session() as session:
            found = library.public_image(session, key)
    if found is None or not (runtime.settings.data_dir / found[0]).is_file():
        raise ApiError(404, "not_found")
    return FileResponse(
        runtime.settings.data_dir / found[0],
        media_type=found[1],
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
