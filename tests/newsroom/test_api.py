"""The newsroom through its HTTP API, on SQLite and PostgreSQL: the whole review workflow
with rejection, veto, correction, scheduling, unpublishing and takedown; the audit trail;
isolation between centres; recommendations upward; sessions; bilingual refusals."""

from __future__ import annotations

import time
from typing import Any

from tests.helpers import wait_for
from tests.newsroom.conftest import (
    CHENGDU,
    JINJIANG,
    PASSWORD,
    PROVINCE,
    QINGYANG,
    Newsroom,
    jpeg,
    publishing,
)

PAYLOAD = (
    '<p>县里<script>alert(1)</script>的<img src=x onerror="alert(1)">'
    '<a href="javascript:alert(1)">消息</a></p>'
)


def section_titles(room: Newsroom, county: str = JINJIANG) -> list[str]:
    return [s["title"] for s in room.zone(county)["stories"]]


def test_three_reviews_with_a_rejection_then_published_everywhere(
    room: Newsroom, news_clip: bytes
) -> None:
    picture = room.library_item("lina", "image", jpeg(), "boiler.jpg", title="锅炉房")
    clip = room.library_item("lina", "video", news_clip, "heating.mp4", title="供暖")
    story = room.story(
        "lina",
        title="锦江区冬季供暖启动",
        summary="今起供暖",
        body_html=PAYLOAD,
        images=[{"url": picture["url"], "caption": "锅炉房"}],
        video_asset=clip["asset"],
    )
    draft = room.ok("lina", "GET", f"/stories/{story}")
    assert draft["state"] == "draft"
    assert draft["state_label"] == {"en": "Draft", "zh-CN": "草稿"}
    body = draft["working_version"]["body_html"]
    assert "<script" not in body
    assert "onerror" not in body
    assert "javascript:" not in body
    assert draft["working_version"]["video_asset"] == clip["asset"]
    edited = room.ok("lina", "PATCH", f"/stories/{story}", {"title": "锦江区今冬供暖启动"})
    assert edited["working_version"]["number"] == 2
    assert edited["working_version"]["summary"] == "今起供暖"  # kept
    assert room.refused("wang", "PATCH", f"/stories/{story}", {"title": "x"}) == (
        403,
        "newsroom_not_author",
    )
    assert room.act("lina", story, "submit")["state"] == "first_review"
    assert room.refused("lina", "POST", f"/stories/{story}/actions/approve") == (
        403,
        "newsroom_role_forbidden",
    )
    assert room.act("wang", story, "approve")["state"] == "second_review"
    assert room.refused("zhao", "POST", f"/stories/{story}/actions/reject", {"comment": " "}) == (
        400,
        "newsroom_comment_required",
    )
    rejected = room.act("zhao", story, "reject", comment="请补充供暖范围")
    assert (rejected["state"], rejected["approvals"]) == ("draft", [])
    room.ok("lina", "PATCH", f"/stories/{story}", {"summary": "今起全区供暖"})
    room.act("lina", story, "submit")
    room.act("chen", story, "approve")  # a chief editor may do 初审 …
    assert room.refused("chen", "POST", f"/stories/{story}/actions/approve") == (
        403,
        "newsroom_already_approved",  # … but not a second level of the same story
    )
    room.act("zhao", story, "approve")
    assert room.refused("chen", "POST", f"/stories/{story}/actions/approve") == (
        403,
        "newsroom_already_approved",
    )
    assert section_titles(room).count("锦江区今冬供暖启动") == 0
    published = room.act("gao", story, "approve")
    assert published["state"] == "published"
    assert published["approvals"] == ["chen", "zhao", "gao"]
    assert published["live_version"]["number"] == 3
    # at once in the county's section and in its prefecture's zone
    assert "锦江区今冬供暖启动" in section_titles(room)
    zone = room.zone(CHENGDU)
    assert zone["kind"] == "zone"
    assert zone["label"] == {"en": "Zone", "zh-CN": "专区"}
    jinjiang = next(s for s in zone["sections"] if s["code"] == JINJIANG)
    assert jinjiang["name"] == {"zh-CN": "锦江区融媒体中心", "en": "Jinjiang District Media Centre"}
    assert "锦江区今冬供暖启动" in [s["title"] for s in jinjiang["stories"]]
    public = room.ok(None, "GET", f"/api/v1/zones/{JINJIANG}/stories/{story}")
    assert public["kind_label"] == {"en": "News", "zh-CN": "新闻"}
    assert "<script" not in public["body_html"]
    assert public["image"] == {"url": picture["url"], "caption": "锅炉房"}
    served = room.client.request("GET", picture["url"])
    assert (served.status_code, served.headers["content-type"]) == (200, "image/jpeg")
    trail = room.ok("chen", "GET", f"/stories/{story}/audit")["audit"]
    assert [(a["action"], a["actor"], a["from_state"], a["to_state"]) for a in trail] == [
        ("create", "lina", None, "draft"),
        ("edit", "lina", "draft", "draft"),
        ("submit", "lina", "draft", "first_review"),
        ("approve", "wang", "first_review", "second_review"),
        ("reject", "zhao", "second_review", "draft"),
        ("edit", "lina", "draft", "draft"),
        ("submit", "lina", "draft", "first_review"),
        ("approve", "chen", "first_review", "second_review"),
        ("approve", "zhao", "second_review", "final_review"),
        ("approve", "gao", "final_review", "published"),
    ]
    assert trail[1]["changes"]["title"] == {
        "from": "锦江区冬季供暖启动",
        "to": "锦江区今冬供暖启动",
    }
    assert trail[4]["comment"] == "请补充供暖范围"
    assert trail[-1]["changes"]["live_version"] == {"from": None, "to": 3}
    versions = room.ok("lina", "GET", f"/stories/{story}/versions")["versions"]
    assert [v["number"] for v in versions] == [1, 2, 3]


def test_veto_and_takedown(room: Newsroom) -> None:
    doomed = room.story("lina", title="未经核实的消息")
    room.act("lina", doomed, "submit")
    room.act("wang", doomed, "approve")
    assert room.refused("zhao", "POST", f"/stories/{doomed}/actions/veto", {"comment": "x"}) == (
        403,
        "newsroom_role_forbidden",
    )
    assert room.refused("chen", "POST", f"/stories/{doomed}/actions/veto")[1] == (
        "newsroom_comment_required"
    )
    assert room.act("chen", doomed, "veto", comment="来源不可靠")["state"] == "vetoed"
    assert room.refused("lina", "POST", f"/stories/{doomed}/actions/submit") == (
        409,
        "newsroom_wrong_state",
    )
    live = room.story("lina", title="将被下架的报道")
    room.publish(live)
    assert "将被下架的报道" in section_titles(room)
    assert (
        room.refused("lina", "POST", f"/stories/{live}/actions/takedown", {"comment": "x"})[0]
        == 403
    )
    assert room.refused("admin1", "POST", f"/stories/{live}/actions/takedown")[1] == (
        "newsroom_comment_required"
    )
    gone = room.act("admin1", live, "takedown", comment="侵权投诉")
    assert (gone["state"], gone["live_version"]) == ("taken_down", None)
    assert "将被下架的报道" not in section_titles(room)
    assert room.refused(None, "GET", f"/api/v1/zones/{JINJIANG}/stories/{live}")[0] == 404
    assert room.ok("chen", "GET", f"/stories/{live}/audit")["audit"][-1]["comment"] == "侵权投诉"


def test_a_correction_is_reviewed_again_while_the_published_version_stays(room: Newsroom) -> None:
    story = room.story("lina", title="原标题")
    room.publish(story)
    # a published story never changes without a new review
    assert room.refused("lina", "PATCH", f"/stories/{story}", {"title": "悄悄改"}) == (
        409,
        "newsroom_wrong_state",
    )
    fixing = room.act("wang", story, "correct")
    assert (fixing["state"], fixing["author"]) == ("draft", "wang")
    assert fixing["live_version"]["number"] == 1
    assert room.refused("lina", "PATCH", f"/stories/{story}", {"title": "x"})[1] == (
        "newsroom_not_author"
    )
    room.ok("wang", "PATCH", f"/stories/{story}", {"title": "更正后的标题"})
    room.act("wang", story, "submit")
    assert room.refused("wang", "POST", f"/stories/{story}/actions/approve")[1] == (
        "newsroom_own_story"
    )
    room.act("chen", story, "approve")
    room.act("zhao", story, "approve")
    # three reviews still to pass: the public keeps seeing the reviewed version
    assert "原标题" in section_titles(room)
    assert "更正后的标题" not in section_titles(room)
    vetoed = room.act("gao", story, "veto", comment="更正不必要")
    assert vetoed["state"] == "published"
    assert vetoed["working_version"]["title"] == "原标题"
    room.act("lina", story, "correct")
    room.ok("lina", "PATCH", f"/stories/{story}", {"title": "再次更正的标题"})
    room.publish(story)
    assert "再次更正的标题" in section_titles(room)
    assert "原标题" not in section_titles(room)
    assert room.act("zhao", story, "unpublish")["live_version"] is None
    assert "再次更正的标题" not in section_titles(room)
    assert room.refused("lina", "POST", f"/stories/{story}/actions/publish")[1] == (
        "newsroom_wrong_state"
    )


def test_scheduled_publication(room: Newsroom) -> None:
    story = room.story(
        "lina",
        kind="notice",
        title="关于元旦放假的通知",
        details={
            "issuing_body": "锦江区人民政府办公室",
            "document_number": "锦府办〔2026〕8号",
            "valid_from": "2026-12-30",
            "valid_to": "2027-01-03",
        },
    )
    room.act("lina", story, "submit")
    assert (
        room.refused("lina", "POST", f"/stories/{story}/actions/schedule", {"publish_at": 1})[0]
        == 403
    )
    assert room.refused(
        "zhao", "POST", f"/stories/{story}/actions/schedule", {"publish_at": int(time.time()) - 5}
    ) == (400, "newsroom_bad_publish_at")
    at = int(time.time()) + 2
    assert room.act("zhao", story, "schedule", publish_at=at)["publish_at"] == at
    room.act("wang", story, "approve")
    room.act("zhao", story, "approve")
    scheduled = room.act("chen", story, "approve")
    assert (scheduled["state"], scheduled["live_version"]) == ("scheduled", None)
    assert "关于元旦放假的通知" not in section_titles(room)
    # readers see it from its time on, before anything has recorded the publication
    wait_for(lambda: "关于元旦放假的通知" in section_titles(room), 10, "the scheduled story")
    notice = next(s for s in room.zone(JINJIANG)["stories"] if s["id"] == story)
    assert notice["details"]["document_number"] == "锦府办〔2026〕8号"
    assert notice["kind_label"]["zh-CN"] == "政务公告"
    # staff reads are only reads: the story stays scheduled until the runtime's loop runs
    assert story in [
        s["id"] for s in room.ok("zhao", "GET", f"/tenants/{JINJIANG}/stories")["stories"]
    ]
    assert room.ok("zhao", "GET", f"/stories/{story}")["state"] == "scheduled"
    assert room.ok("zhao", "GET", f"/stories/{story}/audit")["audit"][-1]["action"] == "approve"
    with publishing(room.client.app):

        def recorded() -> dict[str, Any] | None:
            shown: dict[str, Any] = room.ok("zhao", "GET", f"/stories/{story}")
            return shown if shown["state"] == "published" else None

        shown = wait_for(recorded, 15, "the publishing loop to publish the scheduled story")
    assert shown["live_version"]["number"] == 1
    last = room.ok("zhao", "GET", f"/stories/{story}/audit")["audit"][-1]
    assert (last["action"], last["actor"], last["to_state"]) == ("publish", None, "published")


def test_no_centre_sees_or_touches_another_centres_drafts(room: Newsroom) -> None:
    draft = room.story("lina", title="锦江区的草稿")
    for who in ("qing", "pei", "pan", "sheng"):
        assert room.refused(who, "GET", f"/stories/{draft}") == (404, "newsroom_story_not_found")
        assert room.refused(who, "GET", f"/stories/{draft}/audit")[0] == 404
        assert room.refused(who, "POST", f"/stories/{draft}/actions/submit")[0] == 404
        assert room.refused(who, "PATCH", f"/stories/{draft}", {"title": "改"})[0] == 404
        assert room.refused(who, "GET", f"/tenants/{JINJIANG}/stories") == (
            403,
            "newsroom_other_tenant",
        )
    assert room.refused("qing", "POST", f"/tenants/{JINJIANG}/stories", {"title": "x"}) == (
        403,
        "newsroom_other_tenant",
    )
    # a person with roles in two centres: a Chengdu chief editor who also reports in Jinjiang
    assert room.ok("peng", "GET", f"/stories/{draft}")["id"] == draft
    own = room.story("peng", title="两地兼职的稿件")
    assert room.refused("peng", "POST", f"/stories/{own}/actions/approve")[0] == 409
    listing = room.ok("qing", "GET", f"/tenants/{QINGYANG}/stories")["stories"]
    assert all(s["tenant"] == QINGYANG for s in listing)
    assert room.refused(None, "GET", f"/stories/{draft}") == (401, "newsroom_login_required")


def test_recommendations_go_upward_through_review(room: Newsroom) -> None:
    story = room.story("lina", title="锦江区的好新闻")
    assert room.refused("pei", "POST", f"/stories/{story}/recommendations", {"zone": CHENGDU}) == (
        404,
        "newsroom_story_not_found",  # a draft elsewhere does not exist for Chengdu
    )
    room.publish(story)
    assert room.refused("wang", "POST", f"/stories/{story}/recommendations", {"zone": CHENGDU})[
        1
    ] == ("newsroom_other_tenant")
    assert room.refused("pei", "POST", f"/stories/{story}/recommendations", {"zone": QINGYANG}) == (
        400,
        "newsroom_zone_not_above",
    )
    rec = room.ok("pan", "POST", f"/stories/{story}/recommendations", {"zone": CHENGDU})
    assert rec["state"] == "proposed"
    assert room.refused("pei", "POST", f"/stories/{story}/recommendations", {"zone": CHENGDU}) == (
        409,
        "newsroom_recommendation_exists",
    )
    front = [s["title"] for s in room.zone(CHENGDU)["front"]]
    assert "锦江区的好新闻" not in front  # not before the zone's desk approves
    path = f"/recommendations/{rec['id']}/actions/approve"
    assert room.refused("pan", "POST", path) == (403, "newsroom_already_approved")
    assert room.refused("pei", "POST", path) == (403, "newsroom_role_forbidden")
    assert room.refused("chen", "POST", path)[0] == 404  # Jinjiang's chief: not Chengdu's
    queue = room.ok("peng", "GET", f"/tenants/{CHENGDU}/recommendations?state=proposed")
    assert [r["id"] for r in queue["recommendations"]] == [rec["id"]]
    assert room.ok("peng", "POST", path)["state"] == "approved"
    assert room.refused("peng", "POST", path) == (409, "newsroom_recommendation_closed")
    front = room.zone(CHENGDU)["front"]
    shown = next(s for s in front if s["id"] == story)
    assert shown["recommended"] is True
    assert room.ok(None, "GET", f"/api/v1/zones/{CHENGDU}/stories/{story}")["id"] == story
    province = room.zone(PROVINCE)
    assert province["kind"] == "front_page"
    assert story not in [s["id"] for s in province["front"]]
    assert [z["code"] for z in province["zones"]] == [CHENGDU]
    assert room.refused(None, "GET", f"/api/v1/zones/{PROVINCE}/stories/{story}")[0] == 404
    # to the province's front page, by the province's desk: rejected, with a reason
    up = room.ok("sheng", "POST", f"/stories/{story}/recommendations", {"zone": PROVINCE})
    assert room.refused("sheng", "POST", f"/recommendations/{up['id']}/actions/approve")[1] == (
        "newsroom_already_approved"
    )
    trail = room.ok("lina", "GET", f"/stories/{story}/audit")["audit"]
    assert [(a["action"], a["to_state"]) for a in trail[-3:]] == [
        ("recommend", "proposed"),
        ("approve", "approved"),
        ("recommend", "proposed"),
    ]


def test_sessions_lock_out_and_bilingual_errors(room: Newsroom) -> None:
    # a stranger's address (the test client is a trusted edge that names it) is locked at
    # its tenth failure, even for the right password; qing, from elsewhere, is not
    stranger = {"X-Real-IP": "203.0.113.50"}

    def guess(password: str) -> Any:
        body = {"username": "qing", "password": password}
        return room.client.request("POST", "/api/v1/newsroom/login", json=body, headers=stranger)

    for _ in range(9):
        assert guess("wrong-password").status_code == 401
    locked = guess("wrong-password")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "login_locked"
    assert locked.headers["retry-after"] == "60"
    assert guess(PASSWORD).status_code == 429  # even with the right password, for now
    assert room.login("qing").status_code == 200
    assert room.login("nobody", "x" * 12).status_code == 401
    fresh = room.login("wang").json()["session"]
    headers = {"Authorization": f"Bearer {fresh}"}
    me = room.client.request("GET", "/api/v1/newsroom/me", headers=headers).json()
    assert me["roles"][0]["label"] == {"en": "Editor (first review)", "zh-CN": "责任编辑（初审）"}
    assert room.client.request("POST", "/api/v1/newsroom/logout", headers=headers).json() == {
        "logged_out": True
    }
    assert room.client.request("GET", "/api/v1/newsroom/me", headers=headers).status_code == 401
    story = room.story("lina")
    answer = room.call(
        "lina",
        "POST",
        f"/stories/{story}/actions/publish-now",
        headers={"Accept-Language": "zh-CN"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "newsroom_unknown_action"
    assert answer.json()["error"]["message"].startswith("操作 'publish-now' 无效")
    bad = room.call(
        "lina", "POST", f"/tenants/{JINJIANG}/stories", {"kind": "gossip", "title": "x"}
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "newsroom_bad_kind")
    bad = room.call("lina", "POST", f"/tenants/{JINJIANG}/stories", {"title": "<b>x</b>"})
    assert bad.json()["error"]["code"] == "newsroom_plain_text_markup"
    bad = room.call(
        "lina",
        "POST",
        f"/tenants/{JINJIANG}/stories",
        {
            "kind": "live_event",
            "title": "直播",
            "details": {"channel": "NOPE.cn", "starts_at": 10, "ends_at": 20},
        },
    )
    assert bad.json()["error"]["code"] == "newsroom_channel_not_found"
    before = len(room.ok("lina", "GET", f"/tenants/{JINJIANG}/stories?limit=500")["stories"])
    assert before == len(
        room.ok("lina", "GET", f"/tenants/{JINJIANG}/stories?limit=500")["stories"]
    )
    assert room.refused(None, "GET", "/api/v1/zones/999999") == (404, "newsroom_zone_not_found")


def test_staff_and_the_planning_queue(room: Newsroom) -> None:
    grant = {"username": "xiaoma", "role": "reporter", "password": "xiaoma-pass-1"}
    assert room.refused("chen", "POST", f"/tenants/{JINJIANG}/staff", grant) == (
        403,
        "newsroom_role_forbidden",
    )
    assert room.refused("qing", "POST", f"/tenants/{JINJIANG}/staff", grant) == (
        403,
        "newsroom_other_tenant",
    )
    assert room.refused(
        "admin1", "POST", f"/tenants/{JINJIANG}/staff", {**grant, "role": "boss"}
    ) == (400, "newsroom_bad_role")
    room.ok("admin1", "POST", f"/tenants/{JINJIANG}/staff", grant)
    people = room.ok("admin1", "GET", f"/tenants/{JINJIANG}/staff")["staff"]
    assert {"username": "xiaoma", "display_name": "", "roles": ["reporter"]} in people
    assert room.login("xiaoma", "xiaoma-pass-1").status_code == 200
    topic = room.ok("wang", "POST", f"/tenants/{JINJIANG}/topics", {"title": "春运返乡"})
    assert room.refused("lina", "POST", f"/tenants/{JINJIANG}/topics", {"title": "x"}) == (
        403,
        "newsroom_role_forbidden",
    )
    room.ok("wang", "POST", f"/topics/{topic['id']}/assignments", {"username": "xiaoma"})
    assert room.refused(
        "wang", "POST", f"/topics/{topic['id']}/assignments", {"username": "qing"}
    ) == (400, "newsroom_not_staff_of_tenant")
    queue = room.ok("lina", "GET", f"/tenants/{JINJIANG}/topics")["topics"]
    assert {"title": "春运返乡", "assigned": ["xiaoma"]}.items() <= next(
        t for t in queue if t["id"] == topic["id"]
    ).items()
    assert room.refused("qing", "GET", f"/tenants/{JINJIANG}/topics")[0] == 403
    story = room.story("lina", title="春运返乡第一天", topic=topic["id"])
    assert room.ok("lina", "GET", f"/stories/{story}")["topic"] == topic["id"]
    assert room.refused(
        "qing", "POST", f"/tenants/{QINGYANG}/stories", {"title": "x", "topic": topic["id"]}
    ) == (404, "newsroom_topic_not_found")
    assert room.ok("admin1", "DELETE", f"/tenants/{JINJIANG}/staff/xiaoma/roles/reporter") == {
        "revoked": True
    }
