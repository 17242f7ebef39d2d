"""The guide's parsing process: documents on stdin, what they hold as frames on stdout.

``epg/reader.py`` starts one or more of these. Its input is a sequence of documents, each
sent as length-prefixed pieces and ended by an empty piece (a whole guide, or one piece of
a guide cut by ``epg/split.py``). For each document it sends back, in document order,
channels and programmes as length-prefixed ``marshal`` frames, then ``DONE`` with the
entries it skipped, or ``FAILED`` with the parser's error, after which it stops. A
programme is sent as its stored columns (``epg/stored.py``), built here so that the
importing process only adds the channel and the repaired stop. ``marshal`` is fast for
tuples of strings and ints, and safe here: both ends are this code run by the same
interpreter, and frames are never stored.
"""

from __future__ import annotations

import marshal
import struct
import sys
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import IO, Any

from yunjin.epg.stored import TEXT_COLUMNS, StoredValues, stored_values
from yunjin.epg.xmltv import ParseIssues, ProgrammeFields, XmltvChannel, XmltvError, iter_entries

BATCH = 2000  # programmes per frame
LENGTH = struct.Struct("<I")  # before each piece and each frame
CHANNELS, PROGRAMMES, DONE, FAILED = range(4)
_COLUMNS = 2 + len(TEXT_COLUMNS)  # start, stop, texts
SEPARATOR = "\x00"  # between the texts of a column: XML 1.0 text never holds U+0000


def main() -> None:  # pragma: no cover - runs in the child process
    source, out = sys.stdin.buffer, sys.stdout.buffer
    while (document := _Document.first_piece(source)) is not None:
        issues = ParseIssues()
        try:
            for frame in frames(iter_entries(document, issues)):
                write_frame(out, frame)
        except XmltvError as error:
            write_frame(out, (FAILED, str(error)))
            break
        document.drain()
        write_frame(out, (DONE, issues.counts, issues.examples))
        out.flush()  # the reader waits for it before it takes the next piece's frames
    out.flush()


class _Document:
    """One document of the input, read piece by piece as the parser asks for bytes."""

    def __init__(self, source: IO[bytes], size: int) -> None:
        self._source = source
        self._piece = memoryview(source.read(size))
        self._at = 0
        self._ended = size == 0

    @classmethod
    def first_piece(cls, source: IO[bytes]) -> _Document | None:
        """The next document, or None when the input has ended."""
        header = source.read(LENGTH.size)
        if len(header) < LENGTH.size:
            return None
        return cls(source, LENGTH.unpack(header)[0])

    def read(self, size: int = -1) -> bytes:
        while self._at >= len(self._piece):
            if self._ended:
                return b""
            self._next_piece()
        end = len(self._piece) if size < 0 else self._at + size
        chunk = bytes(self._piece[self._at : end])
        self._at += len(chunk)
        return chunk

    def drain(self) -> None:
        while not self._ended:
            self._next_piece()

    def _next_piece(self) -> None:
        header = self._source.read(LENGTH.size)
        size = LENGTH.unpack(header)[0] if len(header) == LENGTH.size else 0
        # an input that ends inside a document ends the document: the parser says where
        self._piece = memoryview(self._source.read(size) if size else b"")
        self._at = 0
        self._ended = size == 0


def frames(entries: Iterable[XmltvChannel | ProgrammeFields]) -> Iterator[tuple[Any, ...]]:
    """Consecutive channels, or up to ``BATCH`` programmes as columns, in document order.

    A programmes frame is ``(PROGRAMMES, runs, starts, stops, *text columns)``, ``runs``
    being ``(guide channel id, count)`` for each stretch of one channel's programmes and
    each text column one string (``_programmes``).
    """
    channels: list[tuple[str, tuple[str, ...], str]] = []
    rows: list[StoredValues] = []
    runs: list[tuple[str, int]] = []
    channel, since = "", 0  # the channel of the current stretch, and where it began
    for item in entries:
        if isinstance(item, XmltvChannel):
            if rows:
                runs.append((channel, len(rows) - since))
                yield _programmes(runs, rows)
                rows, runs, since = [], [], 0
            channels.append((item.id, item.names, item.icon))
            continue
        if channels:
            yield CHANNELS, channels
            channels = []
        if item[0] != channel or not rows:
            if rows:
                runs.append((channel, len(rows) - since))
            channel, since = item[0], len(rows)
        rows.append(stored_values(item))
        if len(rows) >= BATCH:
            runs.append((channel, len(rows) - since))
            yield _programmes(runs, rows)
            rows, runs, since = [], [], 0
    if rows:
        runs.append((channel, len(rows) - since))
        yield _programmes(runs, rows)
    if channels:
        yield CHANNELS, channels


def _programmes(runs: list[tuple[str, int]], rows: list[StoredValues]) -> tuple[Any, ...]:
    """A programmes frame: the rows turned into columns, each text column one string.

    The texts of a column are joined by NUL, which XML text cannot hold: one string is
    encoded here and decoded there much faster than two thousand (``text_column``).
    """
    starts, stops, *texts = (list(map(itemgetter(at), rows)) for at in range(_COLUMNS))
    return (PROGRAMMES, runs, starts, stops, *(SEPARATOR.join(column) for column in texts))


def text_column(joined: str) -> list[str]:
    """A text column of a programmes frame as its texts again."""
    return joined.split(SEPARATOR)


def write_frame(out: IO[bytes], frame: tuple[Any, ...]) -> None:
    body = marshal.dumps(frame)
    out.write(LENGTH.pack(len(body)))
    out.write(body)


if __name__ == "__main__":  # pragma: no cover
    main()
