"""What the subscribers' catalogue offers: every title except the newsroom's media.

The media centres' clips (a reporter's upload, a citizen's tip video) go through the VOD
pipeline like any film — probe, job, ladder — as titles in one reserved category,
:data:`NEWSROOM_CATEGORY`. They play publicly from the stories that carry them
(``newsroom/media.py``); they are not on the 点播 shelves, in the catalogue's search or
in the Xtream-Codes and M3U listings. One rule, :func:`on_offer`, says so for all of them.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from yunjin.db.models import VodCategory, VodTitleCategory

NEWSROOM_CATEGORY: Final = "newsroom"
NEWSROOM_NAMES: Final = ("融媒体", "Media centres")


def newsroom_titles() -> Select[Any]:
    """The ids of the titles in the newsroom's category."""
    return (
        select(VodTitleCategory.title_id)
        .join(VodCategory, VodCategory.id == VodTitleCategory.category_id)
        .where(VodCategory.code == NEWSROOM_CATEGORY)
    )


def on_offer(title_id: Any) -> ColumnElement[bool]:
    """Whether the title ``title_id`` (a column) is on offer to subscribers."""
    condition: ColumnElement[bool] = title_id.not_in(newsroom_titles())
    return condition


def ensure_newsroom_category(session: Session) -> None:
    """Add the reserved category if it is missing (a library upload, a tip's video)."""
    found = session.scalar(select(VodCategory.id).where(VodCategory.code == NEWSROOM_CATEGORY))
    if found is None:
        session.add(
            VodCategory(
                code=NEWSROOM_CATEGORY, name_zh=NEWSROOM_NAMES[0], name_en=NEWSROOM_NAMES[1]
            )
        )
        session.flush()
