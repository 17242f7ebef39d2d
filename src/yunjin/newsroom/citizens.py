"""Who takes part from the portals: a subscriber household (by its session) or an
anonymous citizen (by a hash of their address); plain text from them; how often they may.

Subscribers are not newsroom staff and never pass the staff gate: what they may do is
decided here and in the interaction modules (a live story, an active household, limits).
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import nh3
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from yunjin.db.models import Household
from yunjin.i18n import register
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.zones import published

_SPACES: Final = re.compile(r"[ \t\u3000]+")
_BLANK_LINES: Final = re.compile(r"\n{3,}")

register(
    {
        "newsroom_rate_limited": (
            "Too many in a short time; try again in {retry_after_s} s.",
            "操作过于频繁，请 {retry_after_s} 秒后再试。",
        ),
        "newsroom_text_empty": ("{field} is empty.", "{field} 不能为空。"),
        "newsroom_household_inactive": (
            "This household is not active and cannot take part.",
            "该家庭账户未处于正常状态，不能参与互动。",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Citizen:
    """A subscriber household taking part (from its session)."""

    household_id: int
    account: str
    region_code: str

    @property
    def display_name(self) -> str:
        """How the household signs in public: its account, mostly hidden."""
        account = self.account
        shown = account[:2] + "***" + account[-2:] if len(account) > 4 else account[:1] + "***"
        return f"用户 {shown}"


def citizen(session: Session, household_id: int) -> Citizen:
    household = session.get(Household, household_id)
    if household is None or household.status != "active":
        raise NewsroomError("newsroom_household_inactive")
    return Citizen(household.id, household.account, household.region_code)


def address_key(address: str) -> str:
    """What keys an anonymous citizen's limits: a hash of their address, never the address."""
    return hashlib.sha256(f"yunjin-citizen:{address}".encode()).hexdigest()


def plain_text(value: str, field: str, limit: int) -> str:
    """Plain text from a citizen: markup dropped (with script and style content), entities
    read, angle brackets made harmless full-width ones, control characters removed, space
    folded; ``<`` and ``>`` never remain, so no HTML reaches any page that shows it."""
    stripped = html.unescape(nh3.clean(value, tags=set(), clean_content_tags={"script", "style"}))
    text = stripped.replace("<", "＜").replace(">", "＞").replace("\r\n", "\n")
    text = "".join(c for c in text if c == "\n" or c.isprintable())
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    if not text:
        raise NewsroomError("newsroom_text_empty", field=field)
    if len(text) > limit:
        raise NewsroomError("newsroom_text_too_long", field=field, limit=limit)
    return text


def check_rate(
    session: Session,
    created_at: InstrumentedAttribute[datetime],
    key: InstrumentedAttribute[Any],
    value: object,
    now: datetime,
    window: timedelta,
    limit: int,
) -> None:
    """Refuse when ``limit`` rows keyed ``value`` were made within ``window``; the limit
    counts stored rows, so it holds across processes and restarts."""
    since = now - window
    rows = session.execute(
        select(func.count(), func.min(created_at)).where(key == value, created_at > since)
    ).one()
    count, oldest = int(rows[0]), rows[1]
    if count >= limit:
        oldest_aware = oldest if oldest.tzinfo is not None else oldest.replace(tzinfo=now.tzinfo)
        wait = max(1, int((oldest_aware + window - now).total_seconds()) + 1)
        raise NewsroomError("newsroom_rate_limited", retry_after_s=wait)


def public_story_tenant(session: Session, story_id: int, now: datetime) -> str:
    """The centre of a story the public may see now, or "not found"."""
    found = published(session, None, now, story_ids=[story_id])
    if not found:
        raise NewsroomError("newsroom_story_not_found", story=story_id)
    return str(found[0]["tenant"])
