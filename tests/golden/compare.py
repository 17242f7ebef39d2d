"""Golden files: what a contract renders, kept in ``tests/golden/files/`` and compared byte
for byte, so that a change to what other software reads shows in review.

A test hands :meth:`Golden.check` the bytes a renderer or a route produced. When they differ
from the file, the test fails with a unified diff; with ``--update-golden`` (``make golden``)
or ``YUNJIN_UPDATE_GOLDEN=1`` the file is written instead, to be reviewed and committed.

JSON goldens hold the answer re-indented by :func:`pretty_json` (two spaces, keys in the
order they were served, non-ASCII kept): a JSON reader gives whitespace no meaning, and a
diff then names the field that changed. Every other golden holds the served bytes as they
are (XML on one line as the app writes it; the diff of a failure breaks it at its tags).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest

FILES = Path(__file__).parent / "files"
UPDATE_HINT = "make golden (or pytest tests/golden --update-golden), then review the diff"
XML_SUFFIXES = (".xml", ".rss", ".atom")


def pretty_json(document: Any) -> bytes:
    """How a JSON golden is stored: indented, keys in their served order, UTF-8."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def served_json(body: bytes) -> bytes:
    """A served JSON body as its golden holds it (it must parse: json is its reader)."""
    return pretty_json(json.loads(body))


class Golden:
    """The golden files, checked against (or, when updating, written from) what was made."""

    def __init__(self, update: bool, root: Path = FILES) -> None:
        self.update = update
        self.root = root

    def check(self, name: str, actual: bytes) -> None:
        path = self.root / name
        expected = path.read_bytes() if path.is_file() else None
        if expected == actual:
            return
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual)
            return
        if expected is None:
            pytest.fail(f"no golden file {path.relative_to(self.root)}: {UPDATE_HINT}")
        pytest.fail(
            f"{name} differs from its golden file ({UPDATE_HINT}):\n"
            + describe(name, expected, actual),
            pytrace=False,
        )


def describe(name: str, expected: bytes, actual: bytes) -> str:
    """A unified diff of the golden file and what was made, line by line (XML by tag)."""
    before, after = _lines(name, expected), _lines(name, actual)
    diff = "".join(
        difflib.unified_diff(before, after, f"golden/{name}", f"made/{name}", n=2, lineterm="\n")
    )
    if diff:
        return diff
    return f"the same text, other bytes (line ends or encoding):\n{expected!r}\n{actual!r}"


def _lines(name: str, data: bytes) -> list[str]:
    text = data.decode("utf-8", errors="replace")
    if name.endswith(XML_SUFFIXES):
        text = text.replace("><", ">\n<")
    return [line if line.endswith("\n") else line + "\n" for line in text.splitlines(True)]
