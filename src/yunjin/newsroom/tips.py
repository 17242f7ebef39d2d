"""Citizens' tips (爆料): into the planning queue of the right county, triaged by its staff.

A tip comes from the phone portal: from a subscriber household (its region decides the
centre) or, anonymously, with a contact phone and the region it is about. A region's
centre is its county's; where a county has none, the prefecture's, then the province's
(GB/T 2260 upward). Text is plain; photos and a video are checked by their bytes
(``tip_media``) and kept privately. Limits: :data:`PER_HOUR` tips an hour per household,
:data:`ANONYMOUS_PER_HOUR` per address and :data:`PHONE_PER_DAY` a day per phone for
anonymous ones; and :data:`ATTEMPTS_PER_HOUR` uploads begun an hour per household or,
anonymously, per address, counted before the body is read, so refused ones (each up to
~390 MB, probed) count too (:func:`count_attempt`).

Staff of that centre see its tips (``VIEW_TIPS``) and triage them (``TRIAGE_TIP``):
``new`` → ``accepted`` → ``topic`` (a topic of the planning queue with source ``tip``), or
``dismissed`` with a reason. A tip's video can be taken into the VOD pipeline
(``ingest_file``) to become the video of a story.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from yunjin.db.models import (
    NewsroomStaff,
    NewsroomTenant,
    NewsroomTip,
    NewsroomTipAttempt,
    NewsroomTipMedia,
    Region,
)
from yunjin.i18n import register
from yunjin.newsroom.citizens import Citizen, check_rate, plain_text
from yunjin.newsroom.content import MAX_TITLE
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.permissions import Actor, may, require
from yunjin.newsroom.planning import add_topic
from yunjin.newsroom.stories import seconds
from yunjin.newsroom.tenants import tenant_ref
from yunjin.newsroom.terms import Action, label
from yunjin.newsroom.tip_media import CheckedMedia

MAX_TEXT: Final = 2000
MAX_COMMENT: Final = 500
PER_HOUR: Final = 5
ANONYMOUS_PER_HOUR: Final = 3
PHONE_PER_DAY: Final = 3
ATTEMPTS_PER_HOUR: Final = 20  # uploads begun by a household or an address, kept or not
HOUR: Final = timedelta(hours=1)
DAY: Final = timedelta(days=1)
PHONE: Final = re.compile(r"^\+?[0-9][0-9 ()-]{5,30}$")

register(
    {
        "newsroom_tip_not_found": ("No tip {tip}.", "爆料 {tip} 不存在。"),
        "newsroom_tip_media_not_found": ("No such file of tip {tip}.", "爆料 {tip} 没有该文件。"),
        "newsroom_tip_contact_required": (
            "An anonymous tip needs a contact phone and the region it is about.",
            "匿名爆料须留下联系电话并选择所在地区。",
        ),
        "newsroom_tip_bad_phone": (
            "Bad phone number {phone!r}.",
            "电话号码 {phone!r} 无效。",
        ),
        "newsroom_no_centre": (
            "No media centre takes tips for region {region}.",
            "地区 {region} 暂无融媒体中心受理爆料。",
        ),
        "newsroom_tip_wrong_state": (
            "Tip {tip} is {state}: it cannot be {action}.",
            "爆料 {tip} 状态为 {state}，不能执行 {action}。",
        ),
        "newsroom_tip_not_video": (
            "File {media} of tip {tip} is not a video.",
            "爆料 {tip} 的文件 {media} 不是视频。",
        ),
    }
)


class TipState(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    TOPIC = "topic"  # turned into a topic of the planning queue
    DISMISSED = "dismissed"


class Triage(StrEnum):
    ACCEPT = "accept"
    TOPIC = "topic"
    DISMISS = "dismiss"


# triage → (the states it applies to, the state it leads to)
TRIAGE: Final = {
    Triage.ACCEPT: (frozenset({TipState.NEW}), TipState.ACCEPTED),
    Triage.TOPIC: (frozenset({TipState.NEW, TipState.ACCEPTED}), TipState.TOPIC),
    Triage.DISMISS: (frozenset({TipState.NEW, TipState.ACCEPTED}), TipState.DISMISSED),
}
STATE_LABELS: Final = {
    TipState.NEW: ("New", "新爆料"),
    TipState.ACCEPTED: ("Accepted", "已受理"),
    TipState.TOPIC: ("Made a topic", "已转选题"),
    TipState.DISMISSED: ("Dismissed", "未采用"),
}


def parse_triage(value: str) -> Triage:
    try:
        return Triage(value)
    except ValueError:
        choices = ", ".join(t.value for t in Triage)
        raise NewsroomError("newsroom_unknown_action", action=value[:40], choices=choices) from None


def centre_for_region(session: Session, region_code: str) -> str:
    """The media centre that takes tips about a region: its own, or the nearest above."""
    current: str | None = region_code
    for _ in range(8):
        if current is None:
            break
        if session.get(NewsroomTenant, current) is not None:
            return current
        region = session.get(Region, current)
        if region is None:
            break
        current = region.parent_code
    raise NewsroomError("newsroom_no_centre", region=region_code[:12])


def check_tip_limits(
    session: Session,
    who: Citizen | None,
    address_hash: str,
    phone: str,
    now: datetime,
) -> None:
    """Before any byte is kept: refuse a citizen who sent too many tips lately."""
    if who is not None:
        check_rate(
            session, NewsroomTip.created_at, NewsroomTip.household_id, who.household_id,
            now, HOUR, PER_HOUR,
        )  # fmt: skip
        return
    check_rate(
        session, NewsroomTip.created_at, NewsroomTip.client_hash, address_hash,
        now, HOUR, ANONYMOUS_PER_HOUR,
    )  # fmt: skip
    if phone:
        check_rate(
            session, NewsroomTip.created_at, NewsroomTip.contact_phone, phone,
            now, DAY, PHONE_PER_DAY,
        )  # fmt: skip


def count_attempt(session: Session, who: Citizen | None, address_hash: str, now: datetime) -> None:
    """Before the body of a tip is read: refuse a household, or an anonymous address, that
    began too many uploads in the last hour, else count this one. The count is in the
    database, so every api node shares it; attempts older than a day go on the way."""
    key = f"household:{who.household_id}" if who is not None else address_hash
    check_rate(
        session, NewsroomTipAttempt.created_at, NewsroomTipAttempt.client_key, key,
        now, HOUR, ATTEMPTS_PER_HOUR,
    )  # fmt: skip
    session.execute(delete(NewsroomTipAttempt).where(NewsroomTipAttempt.created_at < now - DAY))
    session.add(NewsroomTipAttempt(client_key=key, created_at=now))


def check_contact(who: Citizen | None, phone: str, region: str) -> tuple[str, str]:
    """(phone, region) of a tip: a household's region, or an anonymous tip's own."""
    phone = phone.strip()
    if phone and not PHONE.match(phone):
        raise NewsroomError("newsroom_tip_bad_phone", phone=phone[:40])
    if who is not None:
        return phone, who.region_code
    if not phone or not re.fullmatch(r"\d{6}", region.strip()):
        raise NewsroomError("newsroom_tip_contact_required")
    return phone, region.strip()


def submit_tip(
    session: Session,
    who: Citizen | None,
    text: str,
    phone: str,
    region: str,
    address_hash: str,
    media: Sequence[CheckedMedia],
    data_dir: Path,
    now: datetime,
) -> NewsroomTip:
    """Record a tip with its (already checked and kept) media in the right centre's queue."""
    phone, region_code = check_contact(who, phone, region)
    body = plain_text(text, "text", MAX_TEXT)
    tenant = centre_for_region(session, region_code)
    check_tip_limits(session, who, address_hash, phone, now)
    tip = NewsroomTip(
        tenant_code=tenant,
        region_code=region_code,
        household_id=who.household_id if who else None,
        contact_phone=phone,
        client_hash=None if who else address_hash,
        text=body,
        state=TipState.NEW.value,
        created_at=now,
    )
    session.add(tip)
    session.flush()
    for item in media:
        session.add(
            NewsroomTipMedia(
                tip_id=tip.id,
                kind=item.kind,
                filename=item.filename,
                content_type=item.content_type,
                size_bytes=item.size_bytes,
                width=item.width,
                height=item.height,
                duration_s=item.duration_s,
                path=str(item.path.relative_to(data_dir)),
            )
        )
    session.flush()
    return tip


def tips_of(
    session: Session, actor: Actor, tenant_code: str, state: TipState | None = None
) -> list[dict[str, Any]]:
    """A centre's tips, newest first (its staff only)."""
    require(may(actor, Action.VIEW_TIPS, tenant_ref(session, tenant_code)))
    query = select(NewsroomTip).where(NewsroomTip.tenant_code == tenant_code)
    if state is not None:
        query = query.where(NewsroomTip.state == state.value)
    rows = session.scalars(query.order_by(NewsroomTip.id.desc()).limit(500)).all()
    return [tip_json(session, t) for t in rows]


def get_tip(session: Session, actor: Actor, tip_id: int) -> NewsroomTip:
    """A tip its centre's staff may see; "not found" for everyone else."""
    tip = session.get(NewsroomTip, tip_id)
    if tip is None or not may(actor, Action.VIEW_TIPS, tenant_ref(session, tip.tenant_code)):
        raise NewsroomError("newsroom_tip_not_found", tip=tip_id)
    return tip


def tip_media(session: Session, actor: Actor, tip_id: int, media_id: int) -> NewsroomTipMedia:
    tip = get_tip(session, actor, tip_id)
    item = session.get(NewsroomTipMedia, media_id)
    if item is None or item.tip_id != tip.id:
        raise NewsroomError("newsroom_tip_media_not_found", tip=tip_id)
    return item


def triage(
    session: Session,
    actor: Actor,
    tip_id: int,
    verdict: Triage,
    now: datetime,
    *,
    comment: str = "",
    title: str = "",
) -> NewsroomTip:
    """Accept a tip, turn it into a topic of the planning queue, or dismiss it (why)."""
    tip = session.scalar(select(NewsroomTip).where(NewsroomTip.id == tip_id).with_for_update())
    if tip is None or not may(actor, Action.VIEW_TIPS, tenant_ref(session, tip.tenant_code)):
        raise NewsroomError("newsroom_tip_not_found", tip=tip_id)
    require_triage(session, actor, tip)
    applies_to, after = TRIAGE[verdict]
    if TipState(tip.state) not in applies_to:
        raise NewsroomError(
            "newsroom_tip_wrong_state", tip=tip_id, state=tip.state, action=verdict.value
        )
    note = plain_text(comment, "comment", MAX_COMMENT) if comment.strip() else ""
    if verdict is Triage.DISMISS and not note:
        raise NewsroomError("newsroom_comment_required", action=verdict.value)
    if verdict is Triage.TOPIC:
        heading = title.strip() or _first_line(tip.text)
        contact = f"\n\n爆料 #{tip.id}" + (
            f"，联系电话 {tip.contact_phone}" if tip.contact_phone else ""
        )
        topic = add_topic(session, actor, tip.tenant_code, heading, tip.text + contact, now)
        topic.source = "tip"
        tip.topic_id = topic.id
    tip.state = after.value
    tip.triaged_by = actor.id
    tip.triaged_at = now
    tip.comment = note or tip.comment
    return tip


def require_triage(session: Session, actor: Actor, tip: NewsroomTip) -> None:
    require(may(actor, Action.TRIAGE_TIP, tenant_ref(session, tip.tenant_code)))


def record_asset(session: Session, media_id: int, asset_code: str) -> None:
    item = session.get(NewsroomTipMedia, media_id)
    assert item is not None
    item.asset_code = asset_code


def household_tips(session: Session, household_id: int) -> list[dict[str, Any]]:
    """What a household sent, and how far each tip got (no staff names, no notes)."""
    rows = session.scalars(
        select(NewsroomTip)
        .where(NewsroomTip.household_id == household_id)
        .order_by(NewsroomTip.id.desc())
        .limit(100)
    )
    return [
        {
            "id": t.id,
            "text": t.text,
            "state": t.state,
            "state_label": {
                "en": STATE_LABELS[TipState(t.state)][0],
                "zh-CN": STATE_LABELS[TipState(t.state)][1],
            },
            "created_at": seconds(t.created_at),
        }
        for t in rows
    ]


def tip_json(session: Session, tip: NewsroomTip) -> dict[str, Any]:
    media = session.scalars(
        select(NewsroomTipMedia)
        .where(NewsroomTipMedia.tip_id == tip.id)
        .order_by(NewsroomTipMedia.id)
    ).all()
    triager = session.get(NewsroomStaff, tip.triaged_by) if tip.triaged_by else None
    state = TipState(tip.state)
    return {
        "id": tip.id,
        "tenant": tip.tenant_code,
        "region": tip.region_code,
        "from": "household" if tip.household_id is not None else "anonymous",
        "household": tip.household_id,
        "contact_phone": tip.contact_phone,
        "text": tip.text,
        "state": state.value,
        "state_label": label(STATE_LABELS[state]),
        "topic": tip.topic_id,
        "created_at": seconds(tip.created_at),
        "triaged_by": triager.username if triager else None,
        "triaged_at": seconds(tip.triaged_at),
        "comment": tip.comment,
        "media": [
            {
                "id": m.id,
                "kind": m.kind,
                "filename": m.filename,
                "content_type": m.content_type,
                "size_bytes": m.size_bytes,
                "width": m.width,
                "height": m.height,
                "duration_s": m.duration_s,
                "asset": m.asset_code,
                "url": f"/api/v1/newsroom/tips/{tip.id}/media/{m.id}",
            }
            for m in media
        ],
    }


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= MAX_TITLE else line[: MAX_TITLE - 1] + "…"
