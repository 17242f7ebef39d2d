"""Cutting an XMLTV document into pieces that parse on their own, at ``<programme`` tags.

A big guide is parsed by several processes at once (``epg/reader.py``, ADR 0026): each
parses one piece of the document wrapped as a document of its own, ``head + piece + tail``,
where the head is the document's own bytes up to the end of the root's start tag (so the
same declaration, encoding and root attributes apply) and the tail closes the root.

Only what can be checked from the bytes is trusted: the head must be a plain prolog (an XML
declaration in an encoding where ``<`` is always one byte, comments, a DOCTYPE without an
internal subset) and a ``<tv>`` start tag; a cut must not fall inside a comment, a CDATA
section or a processing instruction opened in the ``WINDOW`` bytes before it. What the bytes
do not show (a ``<programme`` tag nested deeper than the root's children, or inside a longer
comment) makes the piece before the cut fail to parse; the reader then reads the whole
document again in one process, which also gives the exact error of a broken document.
"""

from __future__ import annotations

import re

TAIL = b"</tv>"
WINDOW = 4096  # how far back a cut looks for an open comment, CDATA section or PI
_PROGRAMME = b"<programme"
_AFTER_NAME = frozenset(b" \t\r\n>/")
# encodings where the byte of "<" never occurs inside a multi-byte character
_SAFE_ENCODINGS = frozenset(
    {"utf-8", "utf8", "us-ascii", "ascii", "gb2312", "gbk", "gb18030", "big5", "big5-hkscs"}
    | {f"iso-8859-{n}" for n in range(1, 17)}
    | {f"windows-{n}" for n in range(1250, 1259)}
    | {"latin1", "latin-1"}
)
_NAME = rb"[^\s=/>\"'<]+"
_ATTRIBUTE = rb"\s+" + _NAME + rb"\s*=\s*(?:\"[^\"<]*\"|'[^'<]*')"
_HEAD = re.compile(
    rb"(?:\xef\xbb\xbf)?"  # a UTF-8 byte order mark
    rb"(?:<\?xml(?P<declaration>[^?<>]*)\?>)?"
    rb"(?:\s|<!--(?:[^-]|-[^-])*-->)*"
    rb"(?:<!DOCTYPE[^\[<>]*>)?"
    rb"(?:\s|<!--(?:[^-]|-[^-])*-->)*"
    rb"<tv(?:" + _ATTRIBUTE + rb")*\s*>"
)
_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def document_head(start: bytes) -> bytes | None:
    """The document's bytes up to the end of its ``<tv>`` start tag, if it can be cut."""
    match = _HEAD.match(start)
    if match is None:
        return None
    declaration = match.group("declaration") or b""
    encoding = _ENCODING.search(declaration)
    if encoding is not None and encoding.group(1).decode().lower() not in _SAFE_ENCODINGS:
        return None
    return match.group()


def next_cut(data: bytes | bytearray, piece: int, begin: int, end: int) -> int | None:
    """Where the piece starting at ``piece`` can end: a ``<programme`` tag in ``[begin, end)``.

    ``piece`` is the start of the document or a cut made before, so outside any comment;
    ``data[end:]`` may not have been read whole, so a tag at the very end is not trusted.
    ``None`` if there is no safe cut in that stretch.
    """
    at = data.find(_PROGRAMME, begin, end)
    while at != -1:
        after = at + len(_PROGRAMME)
        if (
            after < end
            and data[after] in _AFTER_NAME
            and _closed(data, max(piece, at - WINDOW), at)
        ):
            return at
        at = data.find(_PROGRAMME, after, end)
    return None


def _closed(data: bytes | bytearray, begin: int, end: int) -> bool:
    """Whether ``data[begin:end]`` ends outside any comment, CDATA section and PI it opens.

    The last opening of each is found: if what follows it does not close it, the stretch
    may end inside one (a false alarm only costs a longer piece). Only the last ``WINDOW``
    bytes are looked at, as scanning whole pieces would cost the reader a second's CPU: a
    longer comment around a ``<programme`` tag is caught by the parse instead.
    """
    for opening, closing in ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>")):
        last = data.rfind(opening, begin, end)
        if last != -1 and data.find(closing, last + len(opening), end) == -1:
            return False
    return True
