"""Guides from URLs, on a schedule: a real HTTP server serves them."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import free_port
from yunjin.db.engine import Database
from yunjin.db.models import EpgSource
from yunjin.epg.guide import schedule
from yunjin.epg.sources import (
    GuideSourceError,
    import_location,
    refresh_due_sources,
    schedule_source,
)
from yunjin.live.channels import ChannelSpec, add_channel

GUIDE = (
    '<?xml version="1.0" encoding="UTF-8"?><tv>'
    '<programme channel="SCTV.cn" start="20261126080000 +0800" stop="20261126090000 +0800">'
    '<title lang="zh">{title}</title></programme></tv>'
)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static HTTP server on loopback serving a folder."""
    folder = tmp_path / "www"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


def _db(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'y.db'}")
    with db.session() as session:
        add_channel(
            session,
            ChannelSpec(
                tvg_id="SCTV.cn",
                number=21,
                name_zh="四川卫视",
                name_en="Sichuan TV",
                source="testsrc:",
            ),
        )
    return db


def _titles(db: Database) -> list[str]:
    with db.session() as session:
        return [e.title for e in schedule(session, "SCTV.cn", 0, 2**62)]


def test_import_from_a_gzip_url(web: tuple[str, Path], tmp_path: Path) -> None:
    base, folder = web
    (folder / "guide.xml.gz").write_bytes(gzip.compress(GUIDE.format(title="天府新闻").encode()))
    db = _db(tmp_path)
    report = import_location(db, f"{base}/guide.xml.gz")
    assert report.programmes_stored == 1
    assert _titles(db) == ["天府新闻"]
    with pytest.raises(GuideSourceError, match="404"):
        import_location(db, f"{base}/missing.xml")
    with pytest.raises(GuideSourceError, match="no such file"):
        import_location(db, str(tmp_path / "missing.xml"))


def test_scheduled_sources_refresh_when_due(web: tuple[str, Path], tmp_path: Path) -> None:
    base, folder = web
    guide = folder / "guide.xml"
    guide.write_text(GUIDE.format(title="第一版"), encoding="utf-8")
    db = _db(tmp_path)
    with db.session() as session:
        schedule_source(session, f"{base}/guide.xml", every_hours=6)
        schedule_source(session, f"{base}/gone.xml", every_hours=6)
    now = datetime.now(UTC)
    reports = refresh_due_sources(db, now)
    assert [r.programmes_stored for r in reports] == [1]
    assert _titles(db) == ["第一版"]
    guide.write_text(GUIDE.format(title="第二版"), encoding="utf-8")
    assert refresh_due_sources(db, now + timedelta(hours=1)) == []  # not due yet
    assert _titles(db) == ["第一版"]
    refresh_due_sources(db, now + timedelta(hours=6))
    assert _titles(db) == ["第二版"]
    with db.session() as session:
        sources = {s.url: s for s in session.scalars(select(EpgSource))}
        failed = sources[f"{base}/gone.xml"]
        assert "404" in json.loads(failed.last_report)["error"]
        assert failed.last_success_at is None
        assert sources[f"{base}/guide.xml"].last_success_at is not None
    db.close()
