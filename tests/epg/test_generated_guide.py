"""A generated guide stores exactly the rows it stored before the import was made parallel,
whether it is read whole or cut into pieces read by several processes.

``resources/generated_guide_import.json`` holds the report and a digest of every stored
programme (all columns but the id) as the single-process importer of commit 1db91ac left
them; the guide exercises channels out of order, ungrouped runs, repairs and skipped entries.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from tests.epg.guides import add_our_channels, generated_guide, stored_programmes
from yunjin.db.engine import Database
from yunjin.epg import reader
from yunjin.epg.importer import import_guide, open_guide
from yunjin.live.channels import list_channels

EXPECTED = json.loads(
    (Path(__file__).parent / "resources" / "generated_guide_import.json").read_text("utf-8")
)


@pytest.mark.parametrize(
    ("piece", "gzipped"),
    [(None, False), (2048, False), (2048, True)],
    ids=["whole", "in-pieces", "gzip-in-pieces"],
)
def test_the_stored_rows_and_report_are_as_before(
    database_url: str,
    piece: int | None,
    gzipped: bool,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    if piece is not None:  # cut into about 200 pieces read by three workers
        monkeypatch.setattr(reader, "PIECE", piece)
        monkeypatch.setattr(reader, "WORKERS", 3)
    guide = tmp_path / "guide.xml"
    guide.write_bytes(gzip.compress(generated_guide()) if gzipped else generated_guide())
    db = Database(database_url)
    add_our_channels(db)
    with db.session() as session, open_guide(guide) as (stream, _position):
        report = import_guide(session, stream, list_channels(session), source="generated").as_json()
    rows = stored_programmes(db)
    db.close()
    report.pop("seconds")
    assert report == EXPECTED["report"]
    assert len(rows) == EXPECTED["rows"]
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()
    assert digest == EXPECTED["rows_sha256"]


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
def test_a_wrong_cut_in_a_file_reads_it_again_from_its_start(
    gzipped: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(reader, "PIECE", 2048)
    document = generated_guide().replace(b"<!-- programmes follow -->", b"<wrapper>")
    document = document.replace(b"</tv>", b"</wrapper></tv>")  # every cut is one level deep
    guide = tmp_path / "guide.xml"
    guide.write_bytes(gzip.compress(document) if gzipped else document)
    db = Database(f"sqlite:///{tmp_path / 'guide.db'}")
    add_our_channels(db)
    with db.session() as session, open_guide(guide) as (stream, _position):
        report = import_guide(session, stream, list_channels(session), source="generated")
    db.close()
    assert report.programmes_stored == EXPECTED["rows"]
    assert report.issues.counts == EXPECTED["report"]["skipped"]
