"""Where a guide may be cut into pieces that parse on their own."""

from __future__ import annotations

import pytest

from yunjin.epg.split import WINDOW, document_head, next_cut


@pytest.mark.parametrize(
    "start",
    [
        b"<tv>",
        b'<?xml version="1.0" encoding="UTF-8"?>\n<tv generator-info-name="a>b">',
        b"\xef\xbb\xbf<?xml version='1.0' encoding='gb2312'?><!-- made by us -->\n"
        b'<!DOCTYPE tv SYSTEM "xmltv.dtd">\n<tv source-info-url="http://x/?a=1&amp;b=2" >',
    ],
)
def test_a_plain_prolog_and_tv_start_tag_make_the_head(start: bytes) -> None:
    assert document_head(start + b"<channel id='a'/>") == start


@pytest.mark.parametrize(
    "start",
    [
        b"<tvguide>",  # not the XMLTV root
        b'<?xml version="1.0" encoding="UTF-16"?><tv>',  # "<" is not one byte
        b'<?xml version="1.0" encoding="ISO-2022-JP"?><tv>',  # stateful
        b'<!DOCTYPE tv [<!ENTITY x "<programme>">]><tv>',  # an internal subset
        b"<x:tv xmlns:x='urn:x'>",
        b"\xff\xfe<\x00t\x00v\x00>\x00",
        b"<tv",  # the start tag does not end in what was read
    ],
)
def test_anything_else_is_read_whole(start: bytes) -> None:
    assert document_head(start) is None


def test_a_cut_is_at_a_programme_tag_from_where_the_search_begins() -> None:
    data = b"<tv><programme a='1'/>\n<programme\tb='2'/><programmes/><programme"
    first = data.index(b"<programme")
    second = data.index(b"<programme\t")
    assert next_cut(data, 0, 0, len(data)) == first
    assert next_cut(data, 0, first + 1, len(data)) == second
    # <programmes> is another element; a tag at the very end may not be whole
    assert next_cut(data, 0, second + 1, len(data)) is None


@pytest.mark.parametrize(
    "before",
    [b"<!-- old: ", b"<desc><![CDATA[ see ", b"<?note "],
)
def test_no_cut_inside_a_comment_cdata_or_processing_instruction(before: bytes) -> None:
    data = b"<tv>" + before + b"<programme a='1'/> -->]]>?></desc><programme b='2'/></tv>"
    assert next_cut(data, 0, 0, len(data)) == data.index(b"<programme b")


def test_closed_comments_before_a_cut_do_not_stop_it() -> None:
    data = b"<tv><!-- a --><desc><![CDATA[x]]></desc><?pi?><programme a='1'/></tv>"
    assert next_cut(data, 0, 0, len(data)) == data.index(b"<programme")


def test_only_the_window_before_a_cut_is_looked_at() -> None:
    comment = b"<!-- " + b"x" * WINDOW + b"<programme a='1'/> -->"
    data = b"<tv>" + comment + b"<programme b='2'/></tv>"
    # a comment longer than the window is not seen: the parse of the piece catches it
    assert next_cut(data, 0, 0, len(data)) == data.index(b"<programme a")
