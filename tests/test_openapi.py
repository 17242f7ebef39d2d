"""``/docs`` shows what clients get: every public JSON route outside the newsroom declares a
response model, so its 2xx answer in the OpenAPI document is a schema with named fields."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from yunjin.app import create_app
from yunjin.config import load_settings

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
NEWSROOM_TAGS = {"newsroom", "newsroom-interaction", "newsroom-library", "zones", "feeds"}
# routes in scope that answer something else than JSON: each must say so in the document
NOT_JSON = {
    ("GET", "/api/v1/vod/posters/{name}"),  # image/jpeg
    ("DELETE", "/api/v1/vod/uploads/{upload_id}"),  # 204, no body
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    data: Path = tmp_path_factory.mktemp("openapi")
    built = create_app(load_settings(data_dir=data, record=False))
    yield built
    built.state.runtime.db.close()


def _in_scope(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(method, path) of the public JSON API: ``/api/v1/…`` and ``/healthz``, not the
    newsroom's routes (known by their tags, wherever its modules live)."""
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/") or path == "/healthz"
        for method, operation in operations.items()
        if method.upper() in METHODS and not NEWSROOM_TAGS & set(operation.get("tags", ()))
    }


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def _json_answers(operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        response["content"]["application/json"]["schema"]
        for status, response in operation["responses"].items()
        if status.startswith("2") and "application/json" in response.get("content", {})
    ]


def test_every_public_json_route_declares_its_answer(app: FastAPI) -> None:
    document = app.openapi()
    routes = _in_scope(document)
    assert len(routes) > 50  # the walk found the API, not nothing
    assert routes >= NOT_JSON
    shapeless = []
    for method, path in sorted(routes - NOT_JSON):
        answers = _json_answers(document["paths"][path][method.lower()])
        schemas = [_resolve(document, schema) for schema in answers]
        if not schemas or not all(schema.get("properties") for schema in schemas):
            shapeless.append(f"{method} {path}: {answers}")
    assert not shapeless, "routes whose answer has no named fields:\n" + "\n".join(shapeless)


def test_routes_that_answer_no_json_say_what_they_answer(app: FastAPI) -> None:
    document = app.openapi()
    for method, path in NOT_JSON:
        operation = document["paths"][path][method.lower()]
        assert not _json_answers(operation), (method, path)
        ok = {status: r for status, r in operation["responses"].items() if status.startswith("2")}
        assert ok, (method, path)


def test_names_that_are_not_python_names_keep_their_spelling(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    assert list(schemas["LocalNames"]["properties"]) == ["zh-CN", "en"]
    assert "continue" in schemas["ContinueWatching"]["properties"]
    assert "continue" in schemas["Home"]["properties"]
    assert "resume" not in schemas["TitlePage"].get("required", [])
