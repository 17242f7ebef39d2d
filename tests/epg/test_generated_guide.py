"""A generated guide stores exactly the rows it stored before the import was made parallel,
whether it is read whole or cut into pieces read by several processes.

``resources/generated_guide_import.json`` holds the report and a digest of every stored
programme (all columns but the id) as the single-process importer of commit 1db91ac left
them; the guide exercises channels out of order, ungrouped runs, repairs and skipped entries.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from tests.epg.guides import add_our_channels, generated_guide, stored_programmes
from yunjin.db.engine import Database
from yunjin.epg import reader
from yunjin.epg.importer import import_guide
from yunjin.live.channels import list_channels

EXPECTED = json.loads(
    (Path(__file__).parent / "resources" / "generated_guide_import.json").read_text("utf-8")
)


@pytest.mark.parametrize("piece", [None, 2048], ids=["whole", "in-pieces"])
def test_the_stored_rows_and_report_are_as_before(
    database_url: str, piece: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if piece is not None:  # cut into about 200 pieces read by three workers
        monkeypatch.setattr(reader, "PIECE", piece)
        monkeypatch.setattr(reader, "WORKERS", 3)
    db = Database(database_url)
    add_our_channels(db)
    with db.session() as session:
        report = import_guide(
            session, io.BytesIO(generated_guide()), list_channels(session), source="generated"
        ).as_json()
    rows = stored_programmes(db)
    db.close()
    report.pop("seconds")
    assert report == EXPECTED["report"]
    assert len(rows) == EXPECTED["rows"]
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()
    assert digest == EXPECTED["rows_sha256"]
