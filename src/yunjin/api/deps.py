"""What every router needs from the request: the process's runtime, and who the staff are."""

from __future__ import annotations

from fastapi import Request

from yunjin.api.errors import ApiError
from yunjin.runtime import Runtime
from yunjin.subscribers.staff import Role, admin_of


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def require_admin(runtime: Runtime, authorization: str | None, allowed: tuple[Role, ...]) -> str:
    """The username behind an operator's ``Authorization: Bearer`` session, if its role is
    one of ``allowed``: else 401 (no or unknown session) or 403 (the role may not)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "admin_required")
    with runtime.db.session() as session:
        found = admin_of(session, authorization[7:].strip())
    if found is None:
        raise ApiError(401, "admin_required")
    username, role = found
    if role not in allowed:
        raise ApiError(403, "role_forbidden", {"role": role.value})
    return username
