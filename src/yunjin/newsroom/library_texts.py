"""Text items of a centre's media library: copy kept for reuse — a press release, a
government statement, a reporter's transcript.

A text arrives as a ``body`` field (plain text, or limited HTML when ``format`` is
``html``) or as a ``.txt`` / ``.html`` file that must decode as UTF-8. Either way it is
kept as HTML the newsroom's own sanitiser passed (``content.sanitise_html``, the allow-list
of story bodies): plain text becomes escaped paragraphs; a script, a handler or a
``javascript:`` link is gone before the row is written, so it can never reach a portal.
A body with no text left, or longer than :data:`MAX_TEXT_BYTES` in UTF-8, is refused.

A story takes a copy of the body (the console's "insert"): the story owns that copy, so
a text item is not recorded in ``newsroom_version_media`` and can be deleted while stories
carry its words (ADR 0024, amendment 1).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from yunjin.i18n import register
from yunjin.newsroom.content import sanitise_html
from yunjin.newsroom.errors import NewsroomError

MAX_TEXT_BYTES: Final = 200_000
TAG: Final = re.compile(r"<[^>]*>")
PARAGRAPH_BREAK: Final = re.compile(r"\n\s*\n")

register(
    {
        "newsroom_media_text_empty": (
            "A text item needs a body with some text in it (markup alone, or a script that "
            "was removed, does not count).",
            "文稿条目须有正文内容（只有标签、或被清除的脚本不算正文）。",
        ),
        "newsroom_media_text_too_large": (
            "A text item is at most {limit} KB (UTF-8); this one is {size} KB.",
            "文稿条目最多 {limit} KB（UTF-8），此条为 {size} KB。",
        ),
        "newsroom_media_text_not_utf8": (
            "{name} is not UTF-8 text (it may be GBK or a binary file): save it as UTF-8 and "
            "upload it again.",
            "{name} 不是 UTF-8 文本（可能是 GBK 编码或二进制文件）：请另存为 UTF-8 后重新上传。",
        ),
        "newsroom_media_text_bad_file": (
            "A text item's file is a .txt or .html file, not {name}.",
            "文稿条目的文件须为 .txt 或 .html 文件，不能是 {name}。",
        ),
        "newsroom_media_text_bad_format": (
            "A text's format is plain or html, not {format!r}.",
            "文稿格式只能是 plain（纯文本）或 html，不能是 {format!r}。",
        ),
        "newsroom_media_text_body_and_file": (
            "Send a text item's body or a file, not both.",
            "文稿条目请只提供正文或文件之一，不能同时提供。",
        ),
    }
)


class TextFormat(StrEnum):
    PLAIN = "plain"
    HTML = "html"


CONTENT_TYPES: Final = {TextFormat.PLAIN: "text/plain", TextFormat.HTML: "text/html"}
EXTENSIONS: Final = {".txt": TextFormat.PLAIN, ".html": TextFormat.HTML, ".htm": TextFormat.HTML}


@dataclass(frozen=True, slots=True)
class CheckedText:
    """A text item's body as it is kept: sanitised HTML, and the format it came in."""

    body: str
    format: TextFormat

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def size_bytes(self) -> int:
        return len(self.body.encode())


def parse_format(value: str) -> TextFormat:
    try:
        return TextFormat(value or TextFormat.PLAIN.value)
    except ValueError:
        raise NewsroomError("newsroom_media_text_bad_format", format=value[:20]) from None


def file_format(name: str) -> TextFormat:
    """The format a text file's name states (.txt plain, .html / .htm HTML)."""
    dot = name.rfind(".")
    found = EXTENSIONS.get(name[dot:].lower()) if dot >= 0 else None
    if found is None:
        raise NewsroomError("newsroom_media_text_bad_file", name=name[:80])
    return found


def decode(data: bytes, name: str) -> str:
    """A text file's bytes as UTF-8 (a byte-order mark dropped), or a refusal."""
    _check_size(len(data))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NewsroomError("newsroom_media_text_not_utf8", name=name[:80]) from None


def check_text(raw: str, form: TextFormat) -> CheckedText:
    """The body as it is kept, or a refusal: oversize, or no text once sanitised."""
    _check_size(len(raw.encode()))
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    body = sanitise_html(text if form is TextFormat.HTML else paragraphs(text)).strip()
    if not html.unescape(TAG.sub("", body)).strip():
        raise NewsroomError("newsroom_media_text_empty")
    _check_size(len(body.encode()))
    return CheckedText(body, form)


def paragraphs(text: str) -> str:
    """Plain text as HTML: a blank line separates paragraphs, a single one breaks a line."""
    parts = (p.strip() for p in PARAGRAPH_BREAK.split(text))
    lines = ("<br>".join(html.escape(line) for line in p.split("\n")) for p in parts if p)
    return "".join(f"<p>{p}</p>" for p in lines)


def _check_size(size: int) -> None:
    if size > MAX_TEXT_BYTES:
        raise NewsroomError(
            "newsroom_media_text_too_large", limit=MAX_TEXT_BYTES // 1000, size=-(-size // 1000)
        )
