"""Reading a guide in other processes: they parse while we write what they have read.

A thread of the importing process reads the document (gunzipped if need be, so a progress
bar still follows the file) and feeds it to parsing processes (``epg/parse_worker.py``)
through their stdin. A big document in a seekable stream is cut into pieces of about
``PIECE`` bytes at ``<programme`` tags (``epg/split.py``), and ``WORKERS`` processes parse
them at once, piece *n* going to worker *n* mod ``WORKERS``; anything else goes whole to one
worker. Their frames are read back here piece by piece, in document order, so the entries
come exactly as one parser would give them (ADR 0026).

If a piece fails to parse, the document is read again from its start by one worker, and the
entries already handed out are skipped: a broken document then fails with the error one
parser gives for it, and a document whose cuts were wrong (a ``<programme`` tag inside a
long comment or nested deeper) is read correctly, only more slowly. A read error of the
stream is re-raised as it was; any other death of a worker raises ``GuideReaderError`` with
its last stderr line. Workers die with this process (``media.process`` starts them, and their
pipes close); leaving ``read_guide`` kills and reaps them.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import marshal
import os
import select
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, cast

from yunjin.epg.parse_worker import CHANNELS, DONE, LENGTH, PROGRAMMES, text_column
from yunjin.epg.split import TAIL, document_head, next_cut
from yunjin.epg.stored import ProgrammeBatch
from yunjin.epg.xmltv import ParseIssues, XmltvChannel, XmltvError
from yunjin.media.process import popen

WORKERS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))
PIECE = 4 << 20  # bytes of a document a worker parses at a time, at least
LONGEST = 4 * PIECE  # without a cut in this many bytes, the rest goes to one worker
BLOCK = 1 << 20  # bytes read from the stream at a time
QUEUED = 2  # pieces waiting for each worker, beyond the one it parses
PIPE_BYTES = 1 << 20
_CHILD = "from yunjin.epg.parse_worker import main; main()"
_END = LENGTH.pack(0)  # an empty piece ends a document

GuideEntry = XmltvChannel | ProgrammeBatch


class GuideReaderError(RuntimeError):
    """A process reading the guide failed for a reason other than a broken document."""


class _PieceFailed(Exception):
    """A piece of a cut document did not parse: read the whole document again."""


@contextmanager
def read_guide(stream: IO[bytes], issues: ParseIssues) -> Iterator[Iterator[GuideEntry]]:
    """Channels one by one and programmes in batches, in document order.

    The programmes carry the guide's channel id; skipped entries are counted in ``issues``
    once the whole document has been read. Leaving the block stops the workers.
    """
    reading = _Reading(stream, issues)
    try:
        yield reading.entries()
    finally:
        reading.stop()


class _Reading:
    """One read of a document: its workers, the thread feeding them, the frames they send."""

    def __init__(self, stream: IO[bytes], issues: ParseIssues) -> None:
        self._stream = stream
        self._issues = issues
        self._origin = stream.tell() if stream.seekable() else None
        self._workers: list[_Worker] = []
        self._feeder: _Feeder | None = None

    def entries(self) -> Iterator[GuideEntry]:
        if self._origin is None:  # a stream that cannot be read again is never cut
            yield from self._read(b"", None)
            return
        first = _read_up_to(self._stream, PIECE)
        head = document_head(first) if len(first) == PIECE else None
        if head is None:
            yield from self._read(first, None)
            return
        handed = 0
        try:
            for entry in self._read(first, head):
                handed += len(entry) if isinstance(entry, ProgrammeBatch) else 1
                yield entry
        except _PieceFailed:
            self.stop()
            self._stream.seek(self._origin)
            for entry in self._read(_read_up_to(self._stream, PIECE), None):
                size = len(entry) if isinstance(entry, ProgrammeBatch) else 1
                if handed >= size:
                    handed -= size
                elif isinstance(entry, ProgrammeBatch) and handed:
                    yield entry.without_first(handed)
                    handed = 0
                else:
                    yield entry

    def _read(self, first: bytes, head: bytes | None) -> Iterator[GuideEntry]:
        """The entries of the document from workers; ``head``: cut it into pieces."""
        self._workers = [_Worker.start() for _ in range(WORKERS if head is not None else 1)]
        self._feeder = feeder = _Feeder(self._stream, first, head, self._workers)
        feeder.start()
        frames = _Frames(self._workers)
        found = ParseIssues()
        for piece in itertools.count():
            worker = self._workers[piece % len(self._workers)]
            while (frame := frames.next(worker)) is not None:
                kind = frame[0]
                if kind == PROGRAMMES:
                    texts = [text_column(column) for column in frame[4:]]
                    yield ProgrammeBatch(frame[1], frame[2], frame[3], texts)
                elif kind == CHANNELS:
                    for channel_id, names, icon in frame[1]:
                        yield XmltvChannel(channel_id, names, icon)
                elif kind == DONE:
                    for reason, count in frame[1].items():
                        found.counts[reason] = found.counts.get(reason, 0) + count
                    for reason, example in frame[2].items():
                        found.examples.setdefault(reason, example)
                    break
                else:  # FAILED
                    self.stop()
                    feeder.raise_failure()  # the document could not be read: that is the cause
                    if head is not None:
                        raise _PieceFailed
                    raise XmltvError(frame[1])
            else:  # the worker's output ended
                if feeder.sent_all(piece):  # it had no more: every piece is done
                    feeder.join()  # it has closed the workers' input, or is about to
                    self._issues.counts.update(found.counts)
                    self._issues.examples.update(found.examples)
                    return
                stopped = GuideReaderError(
                    f"the guide reader stopped (exit {worker.process.wait()}): "
                    f"{worker.last_words()}"
                )
                self.stop()
                feeder.raise_failure()
                raise stopped

    def stop(self) -> None:
        """Kill and reap the workers and wait for the feeding thread."""
        for worker in self._workers:
            worker.kill()
        if self._feeder is not None:
            self._feeder.stopping.set()
            self._feeder.join()
        for worker in self._workers:
            worker.close()


def _read_up_to(stream: IO[bytes], size: int) -> bytes:
    parts: list[bytes] = []
    wanted = size
    while wanted > 0 and (part := stream.read(wanted)):
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


class _Worker:
    """A parsing process, its pipes, and what is waiting to be written to it."""

    def __init__(self, process: subprocess.Popen[bytes], errors: IO[bytes]) -> None:
        self.process = process
        self.errors = errors
        self.stdin = cast(IO[bytes], process.stdin)
        self.stdout = cast(IO[bytes], process.stdout)
        self.outbox: deque[tuple[memoryview, bool]] = deque()  # (bytes, ends a document)
        self.queued = 0  # whole documents in the outbox
        self.frames = bytearray()  # read from stdout, not yet taken
        self.taken = 0  # how much of ``frames`` was taken
        self.ended = False  # stdout reached its end

    @classmethod
    def start(cls) -> _Worker:
        errors = tempfile.TemporaryFile()  # noqa: SIM115 - the worker's, closed by close()
        process = popen(
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        worker = cls(process, errors)
        for pipe in (worker.stdin, worker.stdout):
            _widen(pipe)
        os.set_blocking(worker.stdin.fileno(), False)
        return worker

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()

    def close(self) -> None:
        self.process.wait()
        with contextlib.suppress(OSError):
            self.stdin.close()
        self.stdout.close()
        self.errors.close()

    def last_words(self) -> str:
        self.errors.seek(0)
        return "".join(self.errors.read().decode(errors="replace").strip().splitlines()[-1:])


def _widen(pipe: IO[bytes]) -> None:
    """A 1 MiB pipe instead of 64 KiB: fewer trips through the kernel for each frame."""
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size: keep the default
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


class _Frames:
    """The workers' frames, read as they come so that no worker waits on a full pipe."""

    def __init__(self, workers: list[_Worker]) -> None:
        self._workers = {worker.stdout.fileno(): worker for worker in workers}

    def next(self, worker: _Worker) -> Any:
        """The next frame of ``worker``, or None when its output has ended."""
        while True:
            frame = self._take(worker)
            if frame is not None:
                if len(self._workers) > 1:
                    self._receive(wait=False)
                return frame
            if worker.ended:
                return None
            self._receive(wait=True)

    def _take(self, worker: _Worker) -> Any:
        frames, at = worker.frames, worker.taken
        if len(frames) - at < LENGTH.size:
            return None
        (size,) = LENGTH.unpack_from(frames, at)
        begin = at + LENGTH.size
        if len(frames) - begin < size:
            return None
        with memoryview(frames) as view, view[begin : begin + size] as body:
            frame = marshal.loads(body)  # noqa: S302 - our own worker's frames (module doc)
        worker.taken = begin + size
        if worker.taken > PIPE_BYTES:
            del frames[: worker.taken]
            worker.taken = 0
        return frame

    def _receive(self, *, wait: bool) -> None:
        pipes = [fd for fd, worker in self._workers.items() if not worker.ended]
        if not pipes:
            return
        ready, _, _ = select.select(pipes, [], [], None if wait else 0)
        for fd in ready:
            worker = self._workers[fd]
            data = os.read(fd, PIPE_BYTES)
            if data:
                worker.frames += data
            else:
                worker.ended = True


class _Feeder(threading.Thread):
    """Reads the document and writes it to the workers: whole, or piece by piece.

    Keeps what went wrong reading the stream, for the reading thread to raise.
    """

    def __init__(
        self, stream: IO[bytes], first: bytes, head: bytes | None, workers: list[_Worker]
    ) -> None:
        super().__init__(name="guide-feeder", daemon=True)
        self._stream = stream
        self._head = head
        self._workers = workers
        self._buffer = bytearray(first)  # read, not yet sent
        self._read_all = False
        self._made_all = False
        self._rest_to: _Worker | None = None  # who gets the rest of the document, uncut
        self.pieces = 0  # documents sent to workers
        self.failure: Exception | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            self._feed()
        except BrokenPipeError:
            pass  # a worker stopped first: it says why, or the reader stopped it
        except Exception as error:  # noqa: BLE001 - re-raised in the reading thread (raise_failure)
            self.failure = error
        finally:
            for worker in self._workers:
                with contextlib.suppress(OSError):
                    worker.stdin.close()

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def sent_all(self, pieces: int) -> bool:
        """Whether the whole document went out in ``pieces`` pieces."""
        return self._made_all and self.failure is None and self.pieces == pieces

    def _feed(self) -> None:
        if self._head is None:  # the whole document to one worker, as it is read
            self._rest_to = self._workers[0]
            self.pieces = 1
            if self._buffer:  # what was read to find the document cannot be cut
                _queue(self._rest_to, LENGTH.pack(len(self._buffer)), bytes(self._buffer))
                self._buffer.clear()
        while not self.stopping.is_set():
            self._fill()
            busy = [worker for worker in self._workers if worker.outbox]
            if not busy:
                if self._made_all:
                    return
                continue
            _, ready, _ = select.select([], [worker.stdin for worker in busy], [], 0.1)
            for worker in busy:
                if worker.stdin in ready:
                    _write(worker)

    def _fill(self) -> None:
        """Whole pieces, each to its worker while that worker has fewer than ``QUEUED``.

        A stretch of ``LONGEST`` bytes without a cut, or a document not cut at all, goes on
        to one worker as it is read, a block or two ahead.
        """
        head = cast(bytes, self._head)
        while not self._made_all:
            if self._rest_to is not None:
                if len(self._rest_to.outbox) >= 4:
                    return
                block = self._stream.read(BLOCK)
                if block:
                    _queue(self._rest_to, LENGTH.pack(len(block)), block)
                else:
                    _queue(self._rest_to, _END, ends=True)
                    self._made_all = True
                continue
            worker = self._workers[self.pieces % len(self._workers)]
            if worker.queued >= QUEUED:
                return
            body, at_cut = self._next_piece()
            if self.pieces:
                _queue(worker, LENGTH.pack(len(head)), head)
            _queue(worker, LENGTH.pack(len(body)), body)
            self.pieces += 1
            if at_cut:
                _queue(worker, LENGTH.pack(len(TAIL)), TAIL, _END, ends=True)
                worker.queued += 1
            elif self._read_all:
                _queue(worker, _END, ends=True)
                self._made_all = True
            else:
                self._rest_to = worker

    def _next_piece(self) -> tuple[bytes, bool]:
        """The next piece's bytes, and whether it ends at a cut, reading as needed."""
        searched = PIECE
        while True:
            buffer = self._buffer
            cut = next_cut(buffer, 0, searched, len(buffer))
            if cut is not None or self._read_all or len(buffer) >= LONGEST:
                end = len(buffer) if cut is None else cut
                with memoryview(buffer) as view, view[:end] as body:
                    piece = bytes(body)
                del buffer[:end]
                return piece, cut is not None
            searched = max(PIECE, len(buffer) - 16)  # a tag across the end of what was read
            block = self._stream.read(BLOCK)
            if block:
                buffer += block
            else:
                self._read_all = True


def _queue(worker: _Worker, *parts: bytes, ends: bool = False) -> None:
    """Parts to write to the worker; ``ends``: the last part ends a document."""
    worker.outbox.extend((memoryview(part), False) for part in parts[:-1])
    worker.outbox.append((memoryview(parts[-1]), ends))


def _write(worker: _Worker) -> None:
    """As much of the worker's outbox as its pipe takes now."""
    fd = worker.stdin.fileno()
    while worker.outbox:
        part, ends = worker.outbox[0]
        try:
            written = os.write(fd, part)
        except BlockingIOError:
            return
        if written < len(part):
            worker.outbox[0] = (part[written:], ends)
            continue
        worker.outbox.popleft()
        if ends:
            worker.queued -= 1
