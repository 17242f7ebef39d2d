"""Comments on SQLite and PostgreSQL: households comment on published stories as plain
text, held for moderation by default (a centre may publish them at once), editors of the
story's centre approve or reject; published comments show under the story on its zone
page and in the portal's API; limits; a story taken down hides its comments."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.newsroom.conftest import CHENGDU, JINJIANG, Newsroom
from tests.newsroom.households import household, suspend
from yunjin.newsroom import comments
from yunjin.newsroom.citizens import plain_text
from yunjin.newsroom.errors import NewsroomError

HOSTILE = [
    "<script>alert(1)</script>好文章",
    '<img src=x onerror="alert(1)">好文章',
    "&lt;script&gt;alert(1)&lt;/script&gt;好文章",
    "<a href='javascript:alert(1)'>好文章</a>",
    "<svg onload=alert(1)>好文章",
    "<<script>script>好文章",
]


def post(room: Newsroom, phone: dict[str, str], story: int, text: str) -> Any:
    return room.client.request(
        "POST", f"/api/v1/stories/{story}/comments", json={"text": text}, headers=phone
    )


def shown(room: Newsroom, story: int, phone: dict[str, str] | None = None) -> Any:
    answer = room.client.request("GET", f"/api/v1/stories/{story}/comments", headers=phone or {})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_pre_moderated_by_default(room: Newsroom) -> None:
    story = room.story("lina", title="锦江区新建口袋公园")
    room.publish(story)
    phone = household(room, "cm-jj-1", JINJIANG)
    made = post(room, phone, story, "  好消息！\n\n\n\n家门口就有公园了  ")
    assert made.status_code == 201, made.text
    assert made.json()["state"] == "pending"
    assert made.json()["text"] == "好消息！\n\n家门口就有公园了"
    assert made.json()["author"] == "用户 cm***-1"
    assert shown(room, story)["comments"] == []  # not before an editor approves
    assert [c["state"] for c in shown(room, story, phone)["mine"]] == ["pending"]
    queue = room.ok("wang", "GET", f"/tenants/{JINJIANG}/comments")["comments"]
    comment = next(c for c in queue if c["id"] == made.json()["id"])
    assert comment["story"] == story
    assert room.refused("lina", "POST", f"/comments/{comment['id']}/actions/approve") == (
        403,
        "newsroom_role_forbidden",
    )
    for outsider in ("qing", "pei"):
        assert room.refused(outsider, "POST", f"/comments/{comment['id']}/actions/approve") == (
            404,
            "newsroom_comment_not_found",
        )
        assert room.refused(outsider, "GET", f"/tenants/{JINJIANG}/comments")[0] == 403
    approved = room.ok("wang", "POST", f"/comments/{comment['id']}/actions/approve")
    assert (approved["state"], approved["moderated_by"]) == ("published", "wang")
    assert room.refused("wang", "POST", f"/comments/{comment['id']}/actions/approve")[0] == 409
    public = shown(room, story)["comments"]
    assert [c["text"] for c in public] == ["好消息！\n\n家门口就有公园了"]
    page = room.ok(None, "GET", f"/api/v1/zones/{JINJIANG}/stories/{story}")
    assert [c["text"] for c in page["comments"]] == ["好消息！\n\n家门口就有公园了"]
    assert room.ok(None, "GET", f"/api/v1/zones/{CHENGDU}/stories/{story}")["comments"]
    # rejected afterwards: gone from the page, the household still sees it as rejected
    room.ok("zhao", "POST", f"/comments/{comment['id']}/actions/reject", {"reason": "重复"})
    assert shown(room, story)["comments"] == []
    assert [c["state"] for c in shown(room, story, phone)["mine"]] == ["rejected"]
    rejected = room.ok("wang", "GET", f"/tenants/{JINJIANG}/comments?state=rejected")["comments"]
    assert any(c["id"] == comment["id"] and c["reason"] == "重复" for c in rejected)
    assert room.refused("wang", "POST", f"/comments/{comment['id']}/actions/hide")[1] == (
        "newsroom_bad_verdict"
    )


def test_a_centre_may_publish_comments_at_once(room: Newsroom) -> None:
    assert room.ok("wang", "GET", f"/tenants/{JINJIANG}/interaction")["premoderate_comments"]
    assert room.refused(
        "zhao", "PUT", f"/tenants/{JINJIANG}/interaction", {"premoderate_comments": False}
    ) == (403, "newsroom_role_forbidden")
    assert room.refused(
        "qing", "PUT", f"/tenants/{JINJIANG}/interaction", {"premoderate_comments": False}
    ) == (403, "newsroom_other_tenant")
    room.ok("admin1", "PUT", f"/tenants/{JINJIANG}/interaction", {"premoderate_comments": False})
    try:
        story = room.story("lina", title="锦江区夜市开业")
        room.publish(story)
        phone = household(room, "cm-jj-2", JINJIANG)
        made = post(room, phone, story, "去逛了，很热闹")
        assert made.json()["state"] == "published"
        assert [c["text"] for c in shown(room, story)["comments"]] == ["去逛了，很热闹"]
        room.ok("wang", "POST", f"/comments/{made.json()['id']}/actions/reject")  # afterwards
        assert shown(room, story)["comments"] == []
    finally:
        room.ok("chen", "PUT", f"/tenants/{JINJIANG}/interaction", {"premoderate_comments": True})


def test_no_html_reaches_a_portal(room: Newsroom) -> None:
    room.ok("chen", "PUT", f"/tenants/{JINJIANG}/interaction", {"premoderate_comments": False})
    try:
        story = room.story("lina", title="评论安全测试")
        room.publish(story)
        phone = household(room, "cm-jj-3", JINJIANG)
        for text in HOSTILE:
            made = post(room, phone, story, text)
            if made.status_code == 429:
                phone = household(room, f"cm-jj-3-{len(text)}", JINJIANG)
                made = post(room, phone, story, text)
            assert made.status_code == 201, made.text
        texts = [item["text"] for item in shown(room, story)["comments"]]
        assert len(texts) == len(HOSTILE)
        for text in texts:
            assert "<" not in text
            assert ">" not in text
        assert texts[:5] == [
            "好文章",
            "好文章",
            "＜script＞alert(1)＜/script＞好文章",
            "好文章",
            "好文章",
        ]
    finally:
        room.ok("chen", "PUT", f"/tenants/{JINJIANG}/interaction", {"premoderate_comments": True})


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>&;/\"'=ascriptlgonerr好 \n#x3c")), max_size=80))
def test_plain_text_never_holds_an_angle_bracket(value: str) -> None:
    outcome: str | NewsroomError
    try:
        outcome = plain_text(value, "comment", comments.MAX_COMMENT)
    except NewsroomError as error:
        outcome = error
    if isinstance(outcome, NewsroomError):
        assert outcome.code == "newsroom_text_empty"
        return
    text = outcome
    assert "<" not in text
    assert ">" not in text
    assert text == text.strip()


def test_limits_and_who_may_comment(room: Newsroom) -> None:
    story = room.story("lina", title="锦江区垃圾分类新规")
    room.publish(story)
    phone = household(room, "cm-jj-4", JINJIANG)
    assert post(room, phone, story, "长" * 501).json()["error"]["code"] == "newsroom_text_too_long"
    assert post(room, phone, story, "<b></b>  ").json()["error"]["code"] == "newsroom_text_empty"
    for number in range(comments.PER_WINDOW):
        assert post(room, phone, story, f"第 {number} 条意见").status_code == 201
    limited = post(room, phone, story, "还有一条")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "newsroom_rate_limited"
    anonymous = room.client.request(
        "POST", f"/api/v1/stories/{story}/comments", json={"text": "匿名评论"}
    )
    assert anonymous.status_code == 401
    draft = room.story("lina", title="还没发布的稿件")
    other = household(room, "cm-jj-5", JINJIANG)
    assert post(room, other, draft, "抢先评论").status_code == 404
    assert room.client.request("GET", f"/api/v1/stories/{draft}/comments").status_code == 404
    suspend(room, "cm-jj-5")
    assert post(room, other, story, "停机了").status_code == 403


def test_a_story_taken_down_hides_its_comments(room: Newsroom) -> None:
    story = room.story("lina", title="即将下架的报道")
    room.publish(story)
    phone = household(room, "cm-jj-6", JINJIANG)
    made = post(room, phone, story, "这条评论会随稿件隐藏").json()
    room.ok("wang", "POST", f"/comments/{made['id']}/actions/approve")
    assert shown(room, story)["comments"]
    room.act("chen", story, "takedown", comment="报道有误")
    assert room.client.request("GET", f"/api/v1/stories/{story}/comments").status_code == 404
    assert room.call(None, "GET", f"/api/v1/zones/{JINJIANG}/stories/{story}").status_code == 404
    assert post(room, phone, story, "还能评论吗").status_code == 404
    unpublished = room.story("lina", title="撤稿的报道")
    room.publish(unpublished)
    kept = post(room, household(room, "cm-jj-7", JINJIANG), unpublished, "撤稿前的评论").json()
    room.ok("wang", "POST", f"/comments/{kept['id']}/actions/approve")
    room.act("zhao", unpublished, "unpublish")
    assert room.client.request("GET", f"/api/v1/stories/{unpublished}/comments").status_code == 404


def test_interaction_routers_leave_every_decision_to_the_actions() -> None:
    """Like the core's router: the interaction and feed routers never ask the gate."""
    folder = Path(__file__).resolve().parents[2] / "src" / "yunjin" / "newsroom"
    for name in ("interaction_http.py", "moderation_http.py", "feeds_http.py"):
        imported = {
            alias.name
            for node in ast.walk(ast.parse((folder / name).read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module == "yunjin.newsroom.permissions"
            for alias in node.names
        }
        assert imported <= {"Actor"}, name
