"""The guide read in a second process: entries in order, errors raised here, no child left."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from tests.epg.guides import generated_guide
from tests.helpers import wait_for
from yunjin.epg import reader
from yunjin.epg.reader import GuideReaderError, read_guide
from yunjin.epg.stored import ProgrammeBatch
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
        ProgrammeBatch(
            [("a.cn", 2)],
            [1_795_651_200_000, 1_795_654_800_000],
            [1_795_654_800_000, None],
            [
                ["新闻", "Open"],
                ["新闻", "open"],
                ["", ""],
                ["D", ""],
                ["News, Local", ""],
                ["", ""],
                ["", ""],
                ['{"zh": "新闻"}', '{"": "Open"}'],
                ['{"zh": "D"}', "{}"],
            ],
        ),
        XmltvChannel("b.cn", ("B",)),
        ProgrammeBatch(
            [("b.cn", 1)],
            [1_795_651_200_000],
            [1_795_654_800_000],
            [["B1"], ["b1"], [""], [""], [""], [""], [""], ['{"": "B1"}'], ["{}"]],
        ),
    ]
    assert issues.counts == {"bad programme time": 1}


def test_programmes_of_several_channels_come_in_one_batch_with_their_runs() -> None:
    body = "".join(
        f'<programme channel="{channel}" start="2026112608{minute:02d}00"><title>T</title>'
        "</programme>"
        for channel, minute in [("a", 0), ("a", 1), ("b", 2), ("a", 3), ("a", 4)]
    )
    entries, _issues = _read(f"<tv>{body}</tv>".encode())
    assert [entry.runs for entry in entries if isinstance(entry, ProgrammeBatch)] == [
        [("a", 2), ("b", 1), ("a", 2)]
    ]


def test_a_broken_document_raises_the_parsers_error(
    children: list[subprocess.Popen[bytes]],
) -> None:
    with pytest.raises(XmltvError, match="line 1"):
        _read(GUIDE[:-20])
    assert children[0].returncode is not None


def test_a_stream_that_fails_raises_its_own_error(
    children: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "PIECE", 64)  # the failure comes while the workers read

    class Failing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 100:
                raise OSError("disk on fire")
            return super().read(min(size or 50, 50))

    with pytest.raises(OSError, match="disk on fire"):
        _read_stream(Failing(GUIDE))
    assert children
    assert all(child.returncode is not None for child in children)


def _read_stream(stream: io.BytesIO) -> list[object]:
    with read_guide(stream, ParseIssues()) as entries:
        return list(entries)


def test_a_failing_worker_raises_with_its_last_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "_CHILD", "import sys; sys.exit('the reader fell over')")
    with pytest.raises(GuideReaderError, match="the reader fell over"):
        _read(GUIDE)


@pytest.mark.usefixtures("small_pieces")
def test_workers_dying_over_a_guide_in_pieces_raise_with_their_last_words(
    monkeypatch: pytest.MonkeyPatch, children: list[subprocess.Popen[bytes]]
) -> None:
    monkeypatch.setattr(
        reader, "_CHILD", "import sys; sys.stdin.buffer.read(3000); sys.exit('gone')"
    )
    with pytest.raises(GuideReaderError, match="gone"):
        _read(generated_guide())
    assert len(children) == 3
    assert all(child.returncode is not None for child in children)


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


class _Unseekable(io.BytesIO):
    def seekable(self) -> bool:
        return False


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of about 2 kB, read a kB at a time by three workers; no cut in 8 kB: the rest."""
    monkeypatch.setattr(reader, "PIECE", 2048)
    monkeypatch.setattr(reader, "LONGEST", 8192)
    monkeypatch.setattr(reader, "BLOCK", 1024)
    monkeypatch.setattr(reader, "WORKERS", 3)


def _flat(entries: list[object]) -> list[object]:
    """Channels, and each programme as a row: batches may be cut differently."""
    flat: list[object] = []
    for entry in entries:
        if not isinstance(entry, ProgrammeBatch):
            flat.append(entry)
            continue
        channels = [channel for channel, count in entry.runs for _ in range(count)]
        flat.extend(zip(channels, entry.starts, entry.stops, *entry.texts, strict=True))
    return flat


def _whole(document: bytes) -> tuple[list[object], ParseIssues]:
    """As one worker reads it: the stream cannot seek, so it is never cut."""
    issues = ParseIssues()
    with read_guide(_Unseekable(document), issues) as entries:
        return _flat(list(entries)), issues


def _in_pieces(document: bytes) -> tuple[list[object], ParseIssues]:
    entries, issues = _read(document)
    return _flat(entries), issues


@pytest.mark.usefixtures("small_pieces")
def test_a_guide_cut_into_pieces_reads_as_one_parser_reads_it(
    children: list[subprocess.Popen[bytes]],
) -> None:
    document = generated_guide()
    whole, whole_issues = _whole(document)
    assert len(children) == 1
    pieces, issues = _in_pieces(document)
    assert len(children) == 4  # three more, each given many pieces
    assert pieces == whole
    assert (issues.counts, issues.examples) == (whole_issues.counts, whole_issues.examples)
    assert list(issues.counts) == list(whole_issues.counts)  # first seen first


def _programmes(count: int, channel: str = "a.cn") -> bytes:
    return b"".join(
        f'<programme channel="{channel}" start="20261126{n // 60:02d}{n % 60:02d}00">'
        f"<title>P{n}</title></programme>\n".encode()
        for n in range(count)
    )


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize(
    "document",
    [
        # a cut falls inside a comment that began more than split.WINDOW bytes before it
        b"<tv>"
        + _programmes(40)
        + b"<!-- "
        + b"x" * 5000
        + _programmes(60, "old.cn")
        + b"-->"
        + _programmes(300, "b.cn")
        + b"</tv>",
        # programmes one level deeper than the root's children
        b"<tv><group>" + _programmes(200) + b"</group>" + _programmes(200, "b.cn") + b"</tv>",
    ],
    ids=["long-comment", "nested"],
)
def test_when_a_cut_was_wrong_the_guide_is_read_again_whole(
    document: bytes, children: list[subprocess.Popen[bytes]]
) -> None:
    whole, _issues = _whole(document)
    pieces, _issues = _in_pieces(document)
    assert pieces == whole
    assert len(children) == 1 + 3 + 1  # the one reading whole, three, then one again
    assert all(child.returncode is not None for child in children)


@pytest.mark.usefixtures("small_pieces")
def test_a_long_stretch_without_a_cut_goes_on_to_one_worker() -> None:
    channels = b"".join(
        f'<channel id="c{n}.cn"><display-name>C {n}</display-name></channel>\n'.encode()
        for n in range(400)  # about 25 kB: longer than reader.LONGEST
    )
    document = b"<tv>" + _programmes(100) + channels + _programmes(100, "b.cn") + b"</tv>"
    pieces, _issues = _in_pieces(document)
    assert pieces == _whole(document)[0]
    assert len(pieces) == 600


@pytest.mark.usefixtures("small_pieces")
def test_a_broken_guide_in_pieces_fails_with_the_error_one_parser_gives() -> None:
    document = generated_guide()
    broken = document[: len(document) * 2 // 3]
    with pytest.raises(XmltvError) as whole:
        _whole(broken)
    with pytest.raises(XmltvError) as pieces:
        _in_pieces(broken)
    assert str(pieces.value) == str(whole.value)
    assert str(pieces.value).startswith("line ")


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("encoding", ["GB18030", "UTF-16"])
def test_guides_in_other_encodings_read_the_same(encoding: str) -> None:
    document = generated_guide()
    text = document.decode().replace('encoding="UTF-8"', f'encoding="{encoding}"')
    assert _in_pieces(text.encode(encoding)) == _in_pieces(document)
