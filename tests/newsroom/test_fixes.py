"""Two fixes the newsroom core asked for: the login lock-out is one public gate
(``credentials.guard``, which replaced the helpers ``subscribers.auth`` once exposed), and two
editors recommending the same story to the same zone at the same moment get a clear 409,
not a 500 from the unique constraint."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.newsroom.conftest import CHENGDU, Newsroom
from yunjin.credentials.guard import CredentialGuard
from yunjin.db.models import NewsroomRecommendation, NewsroomStaff
from yunjin.newsroom import zones
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.staff import actor_for
from yunjin.subscribers import auth


def test_the_lockout_is_one_public_gate() -> None:
    assert callable(CredentialGuard.run)
    assert callable(CredentialGuard.verify)
    for helper in ("check_lock", "record_failure", "_check_lock", "_fail"):
        assert not hasattr(auth, helper)  # no second lock-out beside the throttle


def _staff_id(room: Newsroom, username: str) -> int:
    with room.client.app.state.runtime.db.session() as session:
        found = session.scalar(select(NewsroomStaff.id).where(NewsroomStaff.username == username))
        assert found is not None
        return int(found)


def test_a_duplicate_recommendation_through_the_api_is_409(room: Newsroom) -> None:
    story = room.story("lina", title="两位编辑同时推荐")
    room.publish(story)
    room.ok("pei", "POST", f"/stories/{story}/recommendations", {"zone": CHENGDU})
    assert room.refused("pan", "POST", f"/stories/{story}/recommendations", {"zone": CHENGDU}) == (
        409,
        "newsroom_recommendation_exists",
    )


def test_concurrent_recommendations_of_one_story_give_one_row_and_a_409(room: Newsroom) -> None:
    """The first proposal is written but not committed while the second one runs: on
    PostgreSQL the second insert waits on the unique index and then fails; it must come
    back as ``newsroom_recommendation_exists``."""
    db = room.client.app.state.runtime.db
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: the race is PostgreSQL's")
    story = room.story("lina", title="并发推荐")
    room.publish(story)
    pei, pan = _staff_id(room, "pei"), _staff_id(room, "pan")
    now = datetime.now(UTC)
    outcome: list[object] = []

    def second() -> None:
        try:
            with db.session() as session:
                zones.recommend(session, actor_for(session, pan), story, CHENGDU, now)
            outcome.append("ok")
        except NewsroomError as error:
            outcome.append(error.code)

    with db.session() as session:
        zones.recommend(session, actor_for(session, pei), story, CHENGDU, now)
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(1.0)  # it is waiting on the uncommitted row
        assert racer.is_alive()
    racer.join(20)
    assert outcome == ["newsroom_recommendation_exists"]
    with db.session() as session:
        count = session.scalar(select(func.count()).where(NewsroomRecommendation.story_id == story))
    assert count == 1
