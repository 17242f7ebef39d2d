"""The newsroom's media is not on offer: a ready title in the ``newsroom`` category is on no
shelf, found by no search and listed by neither the Xtream-Codes actions nor the M3U; the
same title in another category is everywhere. One rule (``vod.offer.on_offer``) for all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.vod.ingest_clips import settings_for
from yunjin.db.engine import Database
from yunjin.db.models import VodAsset
from yunjin.vod.catalog import TitleDraft, TitleKind, add_category, add_title, search_titles
from yunjin.vod.listing import categories, listed_titles
from yunjin.vod.offer import NEWSROOM_CATEGORY, ensure_newsroom_category
from yunjin.vod.shelves import shelves


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(settings_for(tmp_path / "data").database)
    with database.session() as session:
        add_category(session, "documentary", "纪录片", "Documentaries")
        ensure_newsroom_category(session)
        ensure_newsroom_category(session)  # once is enough: the second changes nothing
        _ready(session, "xiongmao", "熊猫基地纪录", ("documentary",), "film0000001")
        _ready(session, "nr-510104-ab", "熊猫基地新闻", (NEWSROOM_CATEGORY,), "news0000001")
        # in both: the newsroom's category wins, it is not on offer
        _ready(
            session, "nr-both", "熊猫基地快讯", (NEWSROOM_CATEGORY, "documentary"), "news0000002"
        )
    yield database
    database.close()


def _ready(session: Session, code: str, name: str, shelved: tuple[str, ...], asset: str) -> None:
    title = add_title(session, TitleDraft(code, TitleKind.MOVIE, name, categories=shelved))
    session.add(
        VodAsset(
            code=asset, title_id=title.id, state="ready", filename=f"{code}.mp4",
            source_path=f"vod/sources/{asset}/{code}.mp4", size_bytes=1000, duration_s=10.0,
            ready_at=datetime.now(UTC),
        )
    )  # fmt: skip


def test_newsroom_titles_are_on_no_shelf_search_or_listing(db: Database) -> None:
    with db.session() as session:
        on_shelves = {t.code for shelf in shelves(session) for t in shelf.cards}
        assert on_shelves == {"xiongmao"}
        assert [s.code for s in shelves(session)] == ["new", "documentary"]
        for query in ("熊猫基地", "xmjd", "xiongmaojidi"):
            assert [hit.code for hit in search_titles(session, query)] == ["xiongmao"], query
        assert [t.code for t in listed_titles(session, TitleKind.MOVIE)] == ["xiongmao"]
        assert NEWSROOM_CATEGORY not in {c.code for c in categories(session)}
