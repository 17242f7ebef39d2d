"""Which part of Yunjin may import which, read from the source (AST), imports in functions
and under ``TYPE_CHECKING`` included (ADR 0031).

An *area* is a package or a top-level module of ``yunjin`` (``archive``, ``delivery``,
``media``, ``folding`` …). ``media`` is the bottom: it imports no other area. ``delivery``
signs and serves what the ``archive`` holds, so it may read the archive, but the archive
never reaches ``delivery``, directly or through another area.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import yunjin

PACKAGE = Path(yunjin.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> Iterator[str]:
    """Every module ``path`` names in an import statement, wherever the statement is."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _area(module: str) -> str | None:
    """``yunjin.archive.store`` → ``archive``; None outside Yunjin."""
    parts = module.split(".")
    return parts[1] if parts[0] == "yunjin" and len(parts) > 1 else None


@cache
def imports() -> dict[str, frozenset[str]]:
    """Module → the Yunjin modules it imports."""
    found: dict[str, frozenset[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        names = {name for name in _imported(path) if name.split(".")[0] == "yunjin"}
        found[_module_name(path)] = frozenset(names)
    return found


@cache
def area_graph() -> dict[str, frozenset[str]]:
    """Area → the other areas its modules import."""
    graph: dict[str, set[str]] = {}
    for module, names in imports().items():
        area = _area(module)
        if area is None:
            continue
        others = {other for name in names if (other := _area(name)) not in (None, area)}
        graph.setdefault(area, set()).update(str(other) for other in others)
    return {area: frozenset(others) for area, others in graph.items()}


def reached(area: str) -> set[str]:
    """Every area ``area`` imports, directly or through others."""
    graph = area_graph()
    seen: set[str] = set()
    todo = [area]
    while todo:
        for other in graph.get(todo.pop(), frozenset()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def importers(area: str, of: str) -> list[str]:
    """The modules of ``area`` that import a module of ``of`` (for a failure's message)."""
    return sorted(
        f"{module} imports {name}"
        for module, names in imports().items()
        if _area(module) == area
        for name in names
        if _area(name) == of
    )


def test_the_areas_are_found() -> None:
    assert {"archive", "delivery", "media", "live", "vod", "epg"} <= set(area_graph())


def test_media_imports_no_other_area() -> None:
    found = area_graph()["media"]
    assert found == frozenset(), [line for other in found for line in importers("media", other)]


def test_the_archive_never_reaches_delivery() -> None:
    assert "delivery" not in reached("archive"), importers("archive", "delivery")


def test_vod_reads_neither_live_nor_the_guide() -> None:
    """The ffmpeg binary and text folding once pulled VOD into live and epg."""
    assert not {"live", "epg"} & area_graph()["vod"], importers("vod", "live") + importers(
        "vod", "epg"
    )


def test_the_launcher_needs_only_the_standard_library() -> None:
    """``media/launch.py`` runs under ``python -I -S``: no site packages, no Yunjin."""
    tops = {name.split(".")[0] for name in _imported(PACKAGE / "media" / "launch.py")}
    assert tops <= set(sys.stdlib_module_names) | {"__future__"}, tops
