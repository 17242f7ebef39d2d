"""Importing guides into SQLite and PostgreSQL: matching, idempotence, all or nothing."""

from __future__ import annotations

import io
import itertools

import pytest
from sqlalchemy import func, select

from yunjin.db.engine import Database
from yunjin.db.models import Programme
from yunjin.epg.importer import import_guide
from yunjin.epg.sources import add_mapping
from yunjin.epg.xmltv import XmltvError
from yunjin.live.channels import ChannelSpec, add_channel, list_channels

CHANNELS = [
    ("CCTV1.cn", 1, "CCTV-1 综合", "CCTV-1"),
    ("SCTV.cn", 21, "四川卫视", "Sichuan TV"),
    ("CDTV.cn", 31, "成都电视台", "Chengdu TV"),
]


def _db(url: str) -> Database:
    db = Database(url)
    with db.session() as session:
        for tvg_id, number, zh, en in CHANNELS:
            add_channel(
                session,
                ChannelSpec(
                    tvg_id=tvg_id, number=number, name_zh=zh, name_en=en, source="testsrc:"
                ),
            )
    return db


def _guide(*programmes: tuple[str, str, str, str], channels: str = "") -> bytes:
    body = "".join(
        f'<programme channel="{channel}" start="{start} +0800" stop="{stop} +0800">'
        f'<title lang="zh">{title}</title></programme>'
        for channel, start, stop, title in programmes
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><tv>{channels}{body}</tv>'.encode()


CHANNEL_ELEMENTS = (
    '<channel id="cctv1"><display-name>ＣＣＴＶ－１</display-name></channel>'
    '<channel id="sc-ws"><display-name>四川衛視</display-name></channel>'
    '<channel id="chengdu-1"><display-name>CDTV-1</display-name></channel>'
    '<channel id="nowhere"><display-name>Nowhere TV</display-name></channel>'
)


def _import(db: Database, document: bytes) -> dict[str, object]:
    with db.session() as session:
        channels = list_channels(session)
        return import_guide(session, io.BytesIO(document), channels, source="test").as_json()


def _titles(db: Database, channel: str) -> list[tuple[int, str]]:
    with db.session() as session:
        rows = session.execute(
            select(Programme.start_ms, Programme.title)
            .where(Programme.channel_id == channel)
            .order_by(Programme.start_ms)
        ).all()
    return [(start, title) for start, title in rows]


def test_matching_by_id_name_and_mapping(database_url: str) -> None:
    db = _db(database_url)
    with db.session() as session:
        add_mapping(session, "chengdu-1", "CDTV.cn")
    report = _import(
        db,
        _guide(
            ("CCTV1.cn", "20261126080000", "20261126090000", "朝闻天下"),
            ("cctv1", "20261126090000", "20261126100000", "新闻30分"),
            ("sc-ws", "20261126080000", "20261126090000", "四川新闻"),
            ("chengdu-1", "20261126080000", "20261126090000", "成都新闻"),
            ("nowhere", "20261126080000", "20261126090000", "Lost"),
            channels=CHANNEL_ELEMENTS,
        ),
    )
    assert report["matched"] == {"cctv1": "CCTV1.cn", "sc-ws": "SCTV.cn", "chengdu-1": "CDTV.cn"}
    assert report["unmatched"] == {"nowhere": "Nowhere TV"}
    assert report["programmes_stored"] == 4
    assert report["programmes_of_unmatched_channels"] == 1
    assert [t for _, t in _titles(db, "CCTV1.cn")] == ["朝闻天下", "新闻30分"]
    assert _titles(db, "SCTV.cn")[0][0] == 1_795_651_200_000  # 08:00 +0800 stored as UTC
    db.close()


def test_reimport_replaces_the_window_without_duplicates(database_url: str) -> None:
    db = _db(database_url)
    first = _guide(
        ("SCTV.cn", "20261126080000", "20261126090000", "A"),
        ("SCTV.cn", "20261126090000", "20261126100000", "B"),
        ("SCTV.cn", "20261127080000", "20261127090000", "Tomorrow"),
    )
    _import(db, first)
    _import(db, first)
    assert len(_titles(db, "SCTV.cn")) == 3
    # a new guide for the morning of the 26th only: the 27th stays
    _import(
        db,
        _guide(
            ("SCTV.cn", "20261126080000", "20261126083000", "A1"),
            ("SCTV.cn", "20261126083000", "20261126100000", "B1"),
        ),
    )
    assert [t for _, t in _titles(db, "SCTV.cn")] == ["A1", "B1", "Tomorrow"]
    db.close()


def test_overlaps_missing_stops_and_duplicates_are_repaired(database_url: str) -> None:
    db = _db(database_url)
    document = (
        b'<tv><programme channel="SCTV.cn" start="20261126080000 +0800">'
        b"<title>No stop</title></programme>"
        b'<programme channel="SCTV.cn" start="20261126083000 +0800" stop="20261126100000 +0800">'
        b"<title>Long</title></programme>"
        b'<programme channel="SCTV.cn" start="20261126090000 +0800" stop="20261126100000 +0800">'
        b"<title>Overlapped</title></programme>"
        b'<programme channel="SCTV.cn" start="20261126090000 +0800" stop="20261126100000 +0800">'
        b"<title>Same start, later entry wins</title></programme>"
        b'<programme channel="SCTV.cn" start="20261126100000 +0800">'
        b"<title>Open ended</title></programme></tv>"
    )
    report = _import(db, document)
    assert report["overlaps_trimmed"] == 1
    assert report["duplicates_dropped"] == 1
    assert report["open_ended_dropped"] == 1
    with db.session() as session:
        rows = session.execute(
            select(Programme.title, Programme.start_ms, Programme.stop_ms).order_by(
                Programme.start_ms
            )
        ).all()
    assert [r[0] for r in rows] == ["No stop", "Long", "Same start, later entry wins"]
    assert all(a[2] == b[1] for a, b in itertools.pairwise(rows))
    db.close()


def test_a_broken_document_leaves_the_previous_guide(database_url: str) -> None:
    db = _db(database_url)
    _import(db, _guide(("SCTV.cn", "20261126080000", "20261126090000", "Kept")))
    broken = _guide(("SCTV.cn", "20261126080000", "20261126090000", "New"))[:-20]
    with pytest.raises(XmltvError):
        _import(db, broken)
    assert [t for _, t in _titles(db, "SCTV.cn")] == ["Kept"]
    with db.session() as session:
        from yunjin.db.models import EpgStaging

        assert session.scalar(select(func.count()).select_from(EpgStaging)) == 0
    db.close()


def test_a_guide_not_grouped_by_channel_is_merged(database_url: str) -> None:
    db = _db(database_url)
    report = _import(
        db,
        _guide(
            ("SCTV.cn", "20261126080000", "20261126090000", "A"),
            ("CCTV1.cn", "20261126080000", "20261126090000", "X"),
            ("SCTV.cn", "20261126100000", "20261126110000", "C"),
            ("SCTV.cn", "20261126083000", "20261126100000", "B"),  # overlaps A
            ("CCTV1.cn", "20261126090000", "20261126100000", "Y"),
        ),
    )
    assert [t for _, t in _titles(db, "SCTV.cn")] == ["A", "B", "C"]
    assert [t for _, t in _titles(db, "CCTV1.cn")] == ["X", "Y"]
    assert report["programmes_stored"] == 5
    assert report["overlaps_trimmed"] == 1
    db.close()
