"""Credential checks over HTTP: the throttle's refusals as answers, and the parental PIN.

Routes check a secret as ``guarded(request, realm, subject, work)``: the client's address
(``secure.client_address``, X-Real-IP only from trusted proxies) and the subject make the
throttle's :class:`Attempt`. Refusals answer 401 ``login_failed`` (or the caller's code),
429 ``login_locked``/``pin_locked`` and 503 ``credentials_busy``, the last two with
``Retry-After``, in both languages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

from fastapi import Request

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.secure import client_address
from yunjin.credentials.guard import Attempt, LoginRefused, Realm
from yunjin.runtime import Runtime
from yunjin.subscribers.passwords import verify_secret

T = TypeVar("T")
STATUS: Final = {
    "login_locked": 429,
    "pin_locked": 429,
    "credentials_busy": 503,
    "password_wrong": 403,
    "pin_wrong": 403,
}


def refusal_error(refused: LoginRefused) -> ApiError:
    """The HTTP answer to a refused check."""
    wait = refused.retry_after_s
    return ApiError(
        STATUS.get(refused.code, 401),
        refused.code,
        {"retry_after_s": wait},
        extra={"retry_after_s": wait} if wait else None,
        headers={"Retry-After": str(wait)} if wait else None,
    )


def attempt_of(request: Request, realm: Realm, subject: str) -> Attempt:
    return Attempt(realm, subject, client_address(request))


def guarded(request: Request, realm: Realm, subject: str, work: Callable[[], T]) -> T:
    """``work`` (raising LoginRefused on a wrong secret) through the throttle, as HTTP."""
    attempt = attempt_of(request, realm, subject)
    try:
        return runtime_of(request).credentials.run(attempt, work)
    except LoginRefused as refused:
        raise refusal_error(refused) from None


def pin_matches(runtime: Runtime, household_id: int, stored: str | None, pin: str | None) -> bool:
    """Whether ``pin`` is the household's parental PIN (``stored``), through the throttle
    per household: no PIN given or none set is False and costs nothing; a wrong one counts;
    429 ``pin_locked`` while locked."""
    if not pin or stored is None:
        return False
    attempt = Attempt(Realm.PIN, str(household_id))
    try:
        return runtime.credentials.verify(attempt, lambda: verify_secret(stored, pin))
    except LoginRefused as refused:
        raise refusal_error(refused) from None
