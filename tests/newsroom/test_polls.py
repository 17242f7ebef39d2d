"""Polls on SQLite and PostgreSQL: editors attach one to a story (2–6 options, open and
close times), a household votes once — the database refuses a second vote even when two
come at once — and sees the results after voting or once the poll closed."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.newsroom.conftest import JINJIANG, Newsroom
from tests.newsroom.households import household
from yunjin.db.models import Household, NewsroomPollOption, NewsroomPollVote

OPTIONS = ["支持", "反对", "无所谓"]


def attach(room: Newsroom, story: int, who: str = "wang", **fields: Any) -> Any:
    body = {
        "question": "您支持夜间限行吗？",
        "options": OPTIONS,
        "closes_at": int(time.time()) + 3600,
    }
    return room.call(who, "POST", f"/stories/{story}/poll", {**body, **fields})


def vote(room: Newsroom, phone: dict[str, str], story: int, option: int) -> Any:
    return room.client.request(
        "POST", f"/api/v1/stories/{story}/poll/votes", json={"option": option}, headers=phone
    )


def poll_of(room: Newsroom, story: int, phone: dict[str, str] | None = None) -> Any:
    answer = room.client.request("GET", f"/api/v1/stories/{story}/poll", headers=phone or {})
    assert answer.status_code == 200, answer.text
    return answer.json()["poll"]


def published_story(room: Newsroom, title: str) -> int:
    story = room.story("lina", title=title)
    room.publish(story)
    return story


def test_vote_once_and_see_the_results(room: Newsroom) -> None:
    story = published_story(room, "夜间限行征求意见")
    made = attach(room, story)
    assert made.status_code == 201, made.text
    options = [o["id"] for o in made.json()["options"]]
    assert [o["label"] for o in made.json()["options"]] == OPTIONS
    alice, bob = household(room, "pl-jj-1", JINJIANG), household(room, "pl-jj-2", JINJIANG)
    before = poll_of(room, story, alice)
    assert (before["state"], before["voted"], before["results"]) == ("open", None, None)
    answered = vote(room, alice, story, options[0])
    assert answered.status_code == 201, answered.text
    after = answered.json()["poll"]
    assert after["voted"] == options[0]
    assert after["results"] == {
        "total": 1,
        "votes": {str(options[0]): 1, str(options[1]): 0, str(options[2]): 0},
    }
    again = vote(room, alice, story, options[1])
    assert (again.status_code, again.json()["error"]["code"]) == (409, "newsroom_already_voted")
    assert poll_of(room, story, bob)["results"] is None  # not before voting
    assert poll_of(room, story)["results"] is None
    page = room.ok(None, "GET", f"/api/v1/zones/{JINJIANG}/stories/{story}")
    assert page["poll"]["question"] == "您支持夜间限行吗？"
    assert page["poll"]["results"] is None
    assert vote(room, bob, story, 999_999).json()["error"]["code"] == "newsroom_poll_bad_option"
    assert vote(room, bob, story, options[1]).status_code == 201
    staff = room.ok("lina", "GET", f"/stories/{story}/poll")  # staff always see results
    assert staff["results"]["total"] == 2
    closed = room.ok("zhao", "POST", f"/stories/{story}/poll/actions/close")
    assert closed["state"] == "closed"
    late = vote(room, household(room, "pl-jj-3", JINJIANG), story, options[2])
    assert (late.status_code, late.json()["error"]["code"]) == (409, "newsroom_poll_not_open")
    assert poll_of(room, story)["results"]["votes"] == {
        str(options[0]): 1,
        str(options[1]): 1,
        str(options[2]): 0,
    }
    assert room.ok(None, "GET", f"/api/v1/zones/{JINJIANG}/stories/{story}")["poll"]["results"]
    anonymous = room.client.request(
        "POST", f"/api/v1/stories/{story}/poll/votes", json={"option": options[0]}
    )
    assert anonymous.status_code == 401


def test_attaching_a_poll_is_checked(room: Newsroom) -> None:
    story = published_story(room, "投票参数检查")
    now = int(time.time())
    cases = [
        ({"options": ["只有一个"]}, "newsroom_poll_options"),
        ({"options": [str(i) for i in range(7)]}, "newsroom_poll_options"),
        ({"options": ["同一个", "同一个"]}, "newsroom_poll_options"),
        ({"options": ["<b>是</b>", "否"]}, "newsroom_plain_text_markup"),
        ({"question": ""}, "newsroom_title_empty"),
        ({"closes_at": now - 10}, "newsroom_poll_window"),
        ({"opens_at": now + 100, "closes_at": now + 50}, "newsroom_poll_window"),
        ({"closes_at": now + 400 * 86400}, "newsroom_poll_window"),
    ]
    for fields, code in cases:
        answer = attach(room, story, **fields)
        assert answer.status_code == 400, (code, answer.text)
        assert answer.json()["error"]["code"] == code
    assert attach(room, story, who="lina").json()["error"]["code"] == "newsroom_role_forbidden"
    assert attach(room, story, who="qing").status_code == 404  # another centre's story
    assert attach(room, story).status_code == 201
    assert attach(room, story).json()["error"]["code"] == "newsroom_poll_exists"
    draft = room.story("lina", title="草稿也可以先挂投票")
    upcoming = attach(room, draft, opens_at=now + 600, closes_at=now + 3600)
    assert upcoming.status_code == 201
    assert upcoming.json()["state"] == "upcoming"
    assert room.client.request("GET", f"/api/v1/stories/{draft}/poll").status_code == 404
    room.publish(draft)
    phone = household(room, "pl-jj-4", JINJIANG)
    assert poll_of(room, draft, phone)["state"] == "upcoming"
    first = upcoming.json()["options"][0]["id"]
    assert vote(room, phone, draft, first).json()["error"]["code"] == "newsroom_poll_not_open"


def test_one_vote_per_household_is_the_databases_rule(room: Newsroom) -> None:
    """Not only Python: the votes' primary key refuses a second row for a household, and
    two votes sent at once from two phones of one household leave exactly one."""
    story = published_story(room, "数据库保证一户一票")
    options = [o["id"] for o in attach(room, story).json()["options"]]
    db = room.client.app.state.runtime.db
    phone = household(room, "pl-jj-5", JINJIANG)
    with db.session() as session:
        home = session.scalar(select(Household.id).where(Household.account == "pl-jj-5"))
        poll_id = session.get(NewsroomPollOption, options[0]).poll_id
    with pytest.raises(IntegrityError), db.session() as session:
        session.add_all(
            [
                NewsroomPollVote(poll_id=poll_id, household_id=home, option_id=options[0]),
                NewsroomPollVote(poll_id=poll_id, household_id=home, option_id=options[1]),
            ]
        )
    other = published_story(room, "另一个投票")
    foreign = attach(room, other).json()["options"][0]["id"]
    with pytest.raises(IntegrityError), db.session() as session:  # an option of another poll
        session.add(NewsroomPollVote(poll_id=poll_id, household_id=home, option_id=foreign))

    second_phone = room.client.request(
        "POST",
        "/api/v1/auth/login",
        json={"account": "pl-jj-5", "password": "household-pass-1", "device": "tablet"},
    )
    tablet = {"Authorization": f"Bearer {second_phone.json()['session']}"}
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def cast(headers: dict[str, str], option: int) -> None:
        barrier.wait(10)
        codes.append(vote(room, headers, story, option).status_code)

    racers = [
        threading.Thread(target=cast, args=(phone, options[0])),
        threading.Thread(target=cast, args=(tablet, options[1])),
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(30)
    assert sorted(codes) == [201, 409]
    assert poll_of(room, story, phone)["results"]["total"] == 1
