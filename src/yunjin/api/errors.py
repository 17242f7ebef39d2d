"""JSON errors with a machine code and messages in both languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from yunjin.i18n import both, preferred_language


class ApiError(Exception):
    """An error a route raises; rendered as ``{"error": {...}}`` with its status.

    ``message`` names the text when it differs from the code (one code, a wording per area:
    ``not_subscribed`` for a channel or for a VOD title).
    """

    def __init__(
        self,
        status: int,
        code: str,
        values: Mapping[str, object] | None = None,
        extra: Mapping[str, object] | None = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.values = dict(values or {})
        self.extra = dict(extra or {})
        self.message = message or code
        self.headers = dict(headers or {})  # e.g. Retry-After on 429 and 503
        super().__init__(code)


def error_body(
    request: Request,
    code: str,
    extra: Mapping[str, object] | None = None,
    *,
    message_code: str | None = None,
    **values: object,
) -> dict[str, Any]:
    messages = both(message_code or code, **values)
    language = preferred_language(request.headers.get("accept-language"))
    return {
        "error": {
            "code": code,
            "message": messages[language],
            "messages": messages,
            **(extra or {}),
        }
    }


async def api_error_handler(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, ApiError):  # what it is registered for
        raise error
    return JSONResponse(
        error_body(request, error.code, error.extra, message_code=error.message, **error.values),
        status_code=error.status,
        headers=error.headers or None,
    )


async def validation_error_handler(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, RequestValidationError):  # what it is registered for
        raise error
    detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
    return JSONResponse(error_body(request, "invalid_request", detail=detail), status_code=400)


async def http_error_handler(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, StarletteHTTPException):  # what it is registered for
        raise error
    if error.status_code == 404:
        return JSONResponse(error_body(request, "not_found"), status_code=404)
    return JSONResponse(
        error_body(request, "invalid_request", detail=str(error.detail)),
        status_code=error.status_code,
    )
