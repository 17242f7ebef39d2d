"""The guide read in a second process: entries in order, errors raised here, no child left."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from tests.helpers import wait_for
from yunjin.epg import reader
from yunjin.epg.reader import GuideReaderError, read_guide
from yunjin.epg.xmltv import ParseIssues, XmltvChannel, XmltvError

GUIDE = (
    b'<?xml version="1.0" encoding="UTF-8"?><tv>'
    b'<channel id="a.cn"><display-name>A</display-name></channel>'
    b'<programme channel="a.cn" start="20261126080000 +0800" stop="20261126090000 +0800">'
    b'<title lang="zh">\xe6\x96\xb0\xe9\x97\xbb</title><desc lang="zh">D</desc>'
    b"<category>News</category><category>Local</category></programme>"
    b'<programme channel="a.cn" start="20261126090000 +0800"><title>Open</title></programme>'
    b'<programme channel="a.cn" start="bad"><title>Bad time</title></programme>'
    b'<channel id="b.cn"><display-name>B</display-name></channel>'
    b'<programme channel="b.cn" start="20261126080000 +0800" stop="20261126090000 +0800">'
    b"<title>B1</title></programme></tv>"
)


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """The reader children started during a test."""
    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        child: subprocess.Popen[bytes] = real(*args, **kwargs)
        started.append(child)
        return child

    monkeypatch.setattr(subprocess, "Popen", popen)
    return started


def _read(document: bytes) -> tuple[list[object], ParseIssues]:
    issues = ParseIssues()
    with read_guide(io.BytesIO(document), issues) as entries:
        return list(entries), issues


def test_channels_and_programmes_come_in_document_order() -> None:
    entries, issues = _read(GUIDE)
    assert entries == [
        XmltvChannel("a.cn", ("A",)),
        [
            (
                "a.cn",
                1_795_651_200_000,
                1_795_654_800_000,
                (("zh", "新闻"),),
                (("zh", "D"),),
                "",
                ("News", "Local"),
                "",
                "",
            ),
            ("a.cn", 1_795_654_800_000, None, (("", "Open"),), (), "", (), "", ""),
        ],
        XmltvChannel("b.cn", ("B",)),
        [("b.cn", 1_795_651_200_000, 1_795_654_800_000, (("", "B1"),), (), "", (), "", "")],
    ]
    assert issues.counts == {"bad programme time": 1}


def test_programmes_come_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "BATCH", 1)  # read by the child from this module
    body = "".join(
        f'<programme channel="a.cn" start="2026112608{minute:02d}00"><title>T</title></programme>'
        for minute in range(5)
    )
    entries, _issues = _read(f"<tv>{body}</tv>".encode())
    assert [len(batch) for batch in entries if isinstance(batch, list)] == [5]


def test_a_broken_document_raises_the_parsers_error(
    children: list[subprocess.Popen[bytes]],
) -> None:
    with pytest.raises(XmltvError, match="line 1"):
        _read(GUIDE[:-20])
    assert children[0].returncode is not None


def test_a_stream_that_fails_raises_its_own_error(children: list[subprocess.Popen[bytes]]) -> None:
    class Failing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 100:
                raise OSError("disk on fire")
            return super().read(min(size or 50, 50))

    with pytest.raises(OSError, match="disk on fire"):
        _read_stream(Failing(GUIDE))
    assert children[0].returncode is not None


def _read_stream(stream: io.BytesIO) -> list[object]:
    with read_guide(stream, ParseIssues()) as entries:
        return list(entries)


def test_a_failing_child_raises_with_its_last_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "_CHILD", "import sys; sys.exit('the reader fell over')")
    with pytest.raises(GuideReaderError, match="the reader fell over"):
        _read(GUIDE)


def test_leaving_early_stops_the_child(children: list[subprocess.Popen[bytes]]) -> None:
    endless = io.BytesIO(b"<tv>" + GUIDE[GUIDE.index(b"<programme") :][:-5] * 20_000)
    with read_guide(endless, ParseIssues()) as entries:
        next(entries)
    assert children[0].returncode is not None


def test_the_child_dies_with_its_parent() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _BLOCKED_PARENT], stdout=subprocess.PIPE, text=True
    ) as parent:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        parent.send_signal(signal.SIGKILL)
    wait_for(lambda: not _alive(child_pid), 10, "the reader child to die with its parent")


# a parent whose guide never ends: its reader child waits for more input, forever
_BLOCKED_PARENT = textwrap.dedent(
    """
    import os, subprocess
    from yunjin.epg import reader
    from yunjin.epg.xmltv import ParseIssues
    real = subprocess.Popen
    def popen(*args, **kwargs):
        child = real(*args, **kwargs)
        print(child.pid, flush=True)
        return child
    reader.subprocess.Popen = popen
    source, _never_written = os.pipe()
    with reader.read_guide(os.fdopen(source, "rb"), ParseIssues()) as entries:
        list(entries)
    """
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False
