"""The console's media library page: a centre's videos (with their transcode's state and
percent), images and texts, an upload form (a text typed or pasted in its ``body``, or a
.txt / .html file), and delete buttons for those who curate it.

The upload form is the console's one ``multipart/form-data`` form. Its POST checks the
session and the gate (upload) before reading the body, the stated length while reading,
and the CSRF token in the form before the file is looked at; the file then goes through
the same steps as an upload through the API (``library_uploads``). A refusal shows the
page again with the newsroom's (or the VOD probe's) bilingual message, nothing kept.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.i18n import both
from yunjin.newsroom import library, library_uploads
from yunjin.newsroom.console_web import (
    PATH,
    SESSION_COOKIE,
    FormRefused,
    Visit,
    bare_page,
    check_csrf,
    csrf_token,
    done_notice,
    posted,
    redirect,
    refusal,
    render,
    show,
    status_of,
)
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.library_http import STATUS, form_parts, read_upload_form
from yunjin.newsroom.permissions import may
from yunjin.newsroom.tenants import get_tenant, tenant_ref
from yunjin.newsroom.terms import Action
from yunjin.vod.assets import IngestError

router = APIRouter(include_in_schema=False)


def _draw(
    session: Session,
    visit: Visit,
    code: str,
    *,
    notice: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    items = library.items_json(session, library.items_of(session, visit.actor, code))
    tenant = tenant_ref(session, code)
    return render(
        visit.page,
        "library.html",
        status,
        title=visit.page.text("library"),
        tenant=get_tenant(session, code),
        items=items,
        may_upload=bool(may(visit.actor, Action.UPLOAD_MEDIA, tenant)),
        may_delete=bool(may(visit.actor, Action.DELETE_MEDIA, tenant)),
        notice=notice,
        error=error,
    )


@router.get(f"{PATH}/centres/{{code}}/library")
def library_page(request: Request, code: str, done: str = "") -> Response:
    return show(
        request, lambda s, visit: _draw(s, visit, code, notice=done_notice(visit.page, done))
    )


@router.post(f"{PATH}/centres/{{code}}/library")
async def upload(request: Request, code: str) -> Response:
    """A video, an image or a text into the centre's library."""
    runtime = runtime_of(request)
    page = bare_page(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:  # no session, so no token either: nothing it could do
        return refusal(page, "console_csrf", {}, 403)
    try:
        await run_in_threadpool(library_uploads.check_upload, runtime.db, token, code)
        form = await read_upload_form(request)
    except NewsroomError as error:
        return refusal(page, error.code, error.values, status_of(error.code))
    except ApiError as error:
        return refusal(page, error.code, error.values, error.status)
    try:
        fields, upload_file = form_parts(form)
        check_csrf(csrf_token(token), fields["csrf"])  # before the file is looked at
        await run_in_threadpool(
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
    except FormRefused as refused:
        return refusal(page, refused.code, {}, refused.status)
    except (NewsroomError, IngestError) as error:
        message = both(error.code, **error.values)
        status = STATUS.get(error.code, 404 if error.code.endswith("_not_found") else 400)
        return await run_in_threadpool(_again, request, code, message, status)
    finally:
        await form.close()
    return redirect(f"{PATH}/centres/{code}/library?done=media_upload")


def _again(request: Request, code: str, message: dict[str, str], status: int) -> Response:
    def draw(session: Session, visit: Visit) -> Response:
        return _draw(session, visit, code, error=message[visit.page.lang], status=status)

    return show(request, draw)


@router.post(f"{PATH}/library/{{media_id}}/delete")
async def delete(request: Request, media_id: int) -> Response:
    """Remove an item no story version uses; its image file goes once that is committed."""
    removed: list[str] = []

    def remove(session: Session, visit: Visit, _form: dict[str, str]) -> Response:
        code = library.get_item(session, visit.actor, media_id).tenant_code
        path = library.delete_item(session, visit.actor, media_id)
        removed.extend([path] if path else [])
        return redirect(f"{PATH}/centres/{code}/library?done=media_delete")

    response = await posted(request, remove)
    if response.status_code == 303:
        for path in removed:
            (runtime_of(request).settings.data_dir / path).unlink(missing_ok=True)
    return response
