"""What every router needs from the request: the process's runtime."""

from __future__ import annotations

from fastapi import Request

from yunjin.runtime import Runtime


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
