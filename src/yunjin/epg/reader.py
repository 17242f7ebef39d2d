"""Reading a guide in a second process: it parses while we write what it has read.

The parent feeds the document's bytes to the child's stdin from a thread; the child
parses them (``iter_xmltv``) and sends channels and programmes (as plain tuples) back in
document order, in batches, as length-prefixed ``marshal`` frames on its
stdout (fast for tuples of strings and ints, and safe here: both ends are this module, run
by the same interpreter). The child dies with the parent (``PR_SET_PDEATHSIG``, and its
pipes close); a broken document in the child raises ``XmltvError`` in the parent, any other
failure ``GuideReaderError`` with the child's last words.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import marshal
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any, cast

from yunjin.epg.stored import ProgrammeFields, programme_fields
from yunjin.epg.xmltv import ParseIssues, XmltvChannel, XmltvError, XmltvProgramme, iter_xmltv

BATCH = 2000  # rows per frame
CHUNK = 1 << 16  # bytes fed to the child at a time
PIPE_BYTES = 1 << 20
_FRAME = struct.Struct("<I")
_CHANNELS, _PROGRAMMES, _DONE, _FAILED = range(4)
_PR_SET_PDEATHSIG = 1
_CHILD = "from yunjin.epg.reader import child_main; child_main()"

GuideEntry = XmltvChannel | list[ProgrammeFields]


class GuideReaderError(RuntimeError):
    """The child reading the guide failed for a reason other than a broken document."""


@contextmanager
def read_guide(stream: IO[bytes], issues: ParseIssues) -> Iterator[Iterator[GuideEntry]]:
    """Channels one by one and programmes in batches, in document order.

    The programmes carry the guide's channel id; skipped entries are counted in ``issues``
    once the whole document has been read. Leaving the block stops the child.
    """
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        _widen(cast(IO[bytes], child.stdout))
        feeder = _Feeder(stream, cast(IO[bytes], child.stdin))
        try:
            feeder.start()
            yield _entries(child, cast(IO[bytes], child.stdout), feeder, issues, errors)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
            feeder.join()
            cast(IO[bytes], child.stdout).close()


def _entries(
    child: subprocess.Popen[bytes],
    frames: IO[bytes],
    feeder: _Feeder,
    issues: ParseIssues,
    errors: IO[bytes],
) -> Iterator[GuideEntry]:
    while True:
        frame = _read_frame(frames)
        if frame is None:
            break
        kind = frame[0]
        if kind == _PROGRAMMES:
            yield frame[1]
        elif kind == _CHANNELS:
            for channel_id, names, icon in frame[1]:
                yield XmltvChannel(channel_id, names, icon)
        elif kind == _DONE:
            feeder.join()
            issues.counts.update(frame[1])
            issues.examples.update(frame[2])
            return
        else:
            feeder.join()
            feeder.raise_failure()  # the document could not be read: that is the cause
            raise XmltvError(frame[1])
    feeder.join()
    feeder.raise_failure()
    code = child.wait()
    errors.seek(0)
    last_words = errors.read().decode(errors="replace").strip().splitlines()[-1:]
    raise GuideReaderError(f"the guide reader stopped (exit {code}): {''.join(last_words)}")


def _widen(pipe: IO[bytes]) -> None:
    """A 1 MiB pipe instead of 64 KiB: a frame crosses in a few reads, not a dozen."""
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size: keep the default
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _read_frame(frames: IO[bytes]) -> Any:
    header = frames.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(header)
    body = frames.read(size)
    if len(body) < size:
        return None
    return marshal.loads(body)


class _Feeder(threading.Thread):
    """Copies the document into the child's stdin; keeps what went wrong reading it."""

    def __init__(self, stream: IO[bytes], sink: IO[bytes]) -> None:
        super().__init__(name="guide-feeder", daemon=True)
        self._stream = stream
        self._sink = sink
        self._failure: Exception | None = None

    def run(self) -> None:
        try:
            while chunk := self._stream.read(CHUNK):
                self._sink.write(chunk)
        except BrokenPipeError:
            pass  # the child stopped first: it says why, or the parent stopped it
        except Exception as error:  # re-raised in the parent's thread by raise_failure
            self._failure = error
        finally:
            with contextlib.suppress(BrokenPipeError):
                self._sink.close()

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


def child_main() -> None:  # pragma: no cover - runs in the child process
    """The child: document on stdin, frames on stdout."""
    _die_with_parent(int(sys.argv[1]))
    out = sys.stdout.buffer
    issues = ParseIssues()
    try:
        for frame in _frames(iter_xmltv(sys.stdin.buffer, issues)):
            _write_frame(out, frame)
    except XmltvError as error:
        _write_frame(out, (_FAILED, str(error)))
    else:
        _write_frame(out, (_DONE, issues.counts, issues.examples))
    out.flush()


def _frames(items: Iterable[XmltvChannel | XmltvProgramme]) -> Iterator[tuple[int, list[Any]]]:
    """Consecutive channels, or programmes as tuples, at most ``BATCH`` to a frame."""
    kind = _PROGRAMMES
    batch: list[Any] = []
    for item in items:
        entry: object
        if isinstance(item, XmltvChannel):
            entry, item_kind = (item.id, item.names, item.icon), _CHANNELS
        else:
            entry, item_kind = programme_fields(item), _PROGRAMMES
        if item_kind != kind or len(batch) >= BATCH:
            if batch:
                yield kind, batch
            kind, batch = item_kind, []
        batch.append(entry)
    if batch:
        yield kind, batch


def _write_frame(out: IO[bytes], frame: tuple[Any, ...]) -> None:
    body = marshal.dumps(frame)
    out.write(_FRAME.pack(len(body)))
    out.write(body)


def _die_with_parent(parent_pid: int) -> None:  # pragma: no cover - runs in the child process
    """Ask Linux to kill this process when its parent dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before we asked
        os._exit(1)
