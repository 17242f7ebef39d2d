"""XMLTV parsing and writing: times, hostile documents, and round trips."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.epg.xmltv import (
    ParseIssues,
    XmltvChannel,
    XmltvError,
    XmltvProgramme,
    iter_xmltv,
    parse_time,
    write_xmltv,
)


def _ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp()) * 1000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20261126203000 +0800", _ms(2026, 11, 26, 12, 30)),
        ("20261126123000 +0000", _ms(2026, 11, 26, 12, 30)),
        ("20261126123000", _ms(2026, 11, 26, 12, 30)),
        ("202611261230 -0130", _ms(2026, 11, 26, 14, 0)),
        ("20261126", _ms(2026, 11, 26)),
    ],
)
def test_times_as_written_are_stored_utc(text: str, expected: int) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "2026-11-26 12:00", "20261326120000", "20261126120000 +9900"])
def test_bad_times(text: str) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_time(text)


def _read(document: bytes) -> tuple[list[object], ParseIssues]:
    issues = ParseIssues()
    return list(iter_xmltv(io.BytesIO(document), issues)), issues


def test_bad_entries_are_counted_not_fatal() -> None:
    items, issues = _read(
        b"<tv><channel id='a'><display-name>A</display-name></channel>"
        b"<programme start='20261126120000 +0000' stop='20261126110000 +0000' channel='a'>"
        b"<title>Backwards</title></programme>"
        b"<programme start='yesterday' channel='a'><title>When</title></programme>"
        b"<programme start='20261126120000 +0000' channel='a'></programme>"
        b"<programme start='20261126120000 +0000' stop='20261126130000 +0000' channel='a'>"
        b"<title>Fine</title></programme></tv>"
    )
    assert [type(item).__name__ for item in items] == ["XmltvChannel", "XmltvProgramme"]
    assert sum(issues.counts.values()) == 3


def test_truncated_document_is_an_error() -> None:
    with pytest.raises(XmltvError, match="line"):
        _read(b"<tv><channel id='a'><display-name>A</display-name></channel><programme start")


def test_billion_laughs_is_not_expanded() -> None:
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    document = (
        f'<?xml version="1.0"?><!DOCTYPE tv [<!ENTITY l0 "lol">{entities}]>'
        "<tv><programme start='20261126120000' stop='20261126130000' channel='a'>"
        "<title>&l9;</title></programme></tv>"
    ).encode()
    try:
        items, _issues = _read(document)
    except XmltvError:
        return  # refusing the document is fine too
    titles = [item.title for item in items if isinstance(item, XmltvProgramme)]
    assert all(len(title) < 10_000 for title in titles)


def test_external_entities_are_not_read(tmp_path: object) -> None:
    document = (
        b'<?xml version="1.0"?><!DOCTYPE tv [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<tv><programme start='20261126120000' stop='20261126130000' channel='a'>"
        b"<title>&x;</title></programme></tv>"
    )
    try:
        items, _issues = _read(document)
    except XmltvError:
        return
    for item in items:
        assert isinstance(item, XmltvProgramme)
        assert "root:" not in item.title


def test_gigantic_attribute_is_refused_or_cut() -> None:
    huge = b"x" * 20_000_000
    document = b"<tv><channel id='" + huge + b"'><display-name>A</display-name></channel></tv>"
    try:
        items, issues = _read(document)
    except XmltvError:
        return
    assert items == []
    assert issues.counts


_text = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def _programmes(draw: st.DrawFn) -> XmltvProgramme:
    start = draw(st.integers(946_684_800, 4_000_000_000)) * 1000
    return XmltvProgramme(
        channel=draw(st.sampled_from(["a.cn", "b.cn"])),
        start_ms=start,
        stop_ms=start + draw(st.integers(1, 100_000)) * 1000,
        titles=tuple(
            draw(st.lists(st.tuples(st.sampled_from(["zh", "en"]), _text), min_size=1, max_size=2))
        ),
        descriptions=tuple(
            draw(st.lists(st.tuples(st.sampled_from(["zh", "en"]), _text), max_size=2))
        ),
        categories=tuple(draw(st.lists(_text, max_size=2))),
        episode=draw(st.one_of(st.just(""), _text)),
    )


@given(st.lists(_programmes(), max_size=8))
def test_write_then_read_round_trips(programmes: list[XmltvProgramme]) -> None:
    channels = [XmltvChannel("a.cn", ("频道A", "Channel A")), XmltvChannel("b.cn", ("B",))]
    out = io.BytesIO()
    write_xmltv(out, channels, programmes)
    items, issues = _read(out.getvalue())
    assert not issues.counts
    assert items == [*channels, *programmes]


def test_export_is_valid_xmltv(xmltv_valid: Callable[[bytes], Any]) -> None:
    out = io.BytesIO()
    write_xmltv(
        out,
        [XmltvChannel("a.cn", ("频道A",), "http://logo/a.png")],
        [
            XmltvProgramme(
                "a.cn",
                _ms(2026, 11, 26, 12),
                _ms(2026, 11, 26, 13),
                (("zh", "新闻"), ("en", "News")),
                (("zh", "说明"),),
                "副标题",
                ("news",),
                "1/10",
                "http://i/1.png",
            )
        ],
    )
    xmltv_valid(out.getvalue())
