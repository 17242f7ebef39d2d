"""The staff console over HTTP, as a browser uses it (cookies, forms, redirects): login and
its lock-out, CSRF on every form, another centre's draft not found, buttons only for what
the gate allows and forged posts refused anyway, the whole workflow through the forms,
escaping and sanitising, both languages, staff and planning."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.helpers import wait_for
from tests.newsroom.conftest import (
    CHEAP,
    CHENGDU,
    JINJIANG,
    PASSWORD,
    PROVINCE,
    QINGYANG,
    STAFF,
    Client,
    Newsroom,
    jpeg,
    publishing,
)
from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.db.models import NewsroomStory
from yunjin.newsroom import comments, tips
from yunjin.newsroom.citizens import address_key, citizen
from yunjin.newsroom.console_forms import local_input
from yunjin.newsroom.staff import grant
from yunjin.newsroom.tenants import add_tenant
from yunjin.subscribers import passwords
from yunjin.subscribers.accounts import create_household

TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    """One person's browser: a cookie jar, forms posted as browsers post them."""

    def __init__(self, client: Client, lang: str = "zh-CN") -> None:
        self.client = client
        self.cookies: dict[str, str] = {}
        self.lang = lang
        self.last = ""

    def request(self, method: str, path: str, body: str | None = None) -> httpx.Response:
        headers = {"Accept-Language": self.lang}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = self.client.request(method, path, content=body, headers=headers)
        for line in answer.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value or morsel.value == '""':
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if answer.headers.get("content-type", "").startswith("text/html"):
            self.last = answer.text
        return answer

    def get(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str], csrf: str | None = "page") -> httpx.Response:
        data = dict(fields)
        if csrf == "page":
            found = TOKEN.search(self.last)
            assert found, "no form token on the last page"
            data["csrf"] = found.group(1)
        elif csrf is not None:
            data["csrf"] = csrf
        return self.request("POST", path, urlencode(data))

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/console/login")
        return self.post("/console/login", {"username": username, "password": password})


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp("console")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", lambda: CHEAP)
        built = create_app(load_settings(data_dir=tmp, record=False))
        with built.state.runtime.db.session() as session:
            for code in (PROVINCE, CHENGDU, JINJIANG, QINGYANG):
                add_tenant(session, code)
            for username, roles in STAFF.items():
                for tenant, role in roles:
                    grant(session, username, tenant, role, password=PASSWORD)
        yield built
    built.state.runtime.db.close()


@pytest.fixture
def browser(app: Any) -> Browser:
    return Browser(Client(app))


def people(app: Any, *names: str) -> dict[str, Browser]:
    found = {}
    for name in names:
        person = Browser(Client(app))
        assert person.login(name).status_code == 303
        found[name] = person
    return found


def story_id(answer: httpx.Response) -> int:
    assert answer.status_code == 303, answer.text
    found = re.match(r"/console/stories/(\d+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


def write(person: Browser, title: str = "县里的新闻", **fields: str) -> int:
    person.get(f"/console/centres/{JINJIANG}/stories/new?kind=news")
    form = {"title": title, "summary": "", "body_html": "<p>正文</p>", **fields}
    return story_id(person.post(f"/console/centres/{JINJIANG}/stories?kind=news", form))


def act(person: Browser, story: int, action: str, **fields: str) -> httpx.Response:
    person.get(f"/console/stories/{story}")
    return person.post(f"/console/stories/{story}/actions/{action}", fields)


def buttons(person: Browser, story: int) -> set[str]:
    page = person.get(f"/console/stories/{story}")
    assert page.status_code == 200, page.text
    return set(re.findall(r'class="action" data-action="(\w+)"', page.text))


def state(person: Browser, story: int) -> str:
    page = person.get(f"/console/stories/{story}").text
    found = re.search(r'class="state state-(\w+)" id="state"', page)
    assert found
    return found.group(1)


def test_login_sets_strict_cookies_and_checks_its_own_token(browser: Browser) -> None:
    first = browser.get("/console")
    assert first.status_code == 303
    assert first.headers["location"] == "/console/login?next=/console"
    page = browser.get("/console/login")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/console" in cookie
    assert "script-src 'none'" in page.headers["content-security-policy"]
    fields = {"username": "lina", "password": PASSWORD}
    assert browser.post("/console/login", fields, csrf=None).status_code == 403
    assert browser.post("/console/login", fields, csrf="forged").status_code == 403
    browser.get("/console/login")
    wrong = browser.post("/console/login", {"username": "lina", "password": "not-it-at-all"})
    assert wrong.status_code == 401
    assert "登录失败" in wrong.text
    assert "yunjin_console" not in browser.cookies
    done = browser.login("lina")
    assert done.status_code == 303
    assert "yunjin_console=" in done.headers["set-cookie"]
    assert "HttpOnly" in done.headers["set-cookie"]
    dashboard = browser.get("/console")
    assert dashboard.status_code == 200
    assert "锦江区融媒体中心" in dashboard.text
    assert browser.post("/console/logout", {}).status_code == 303
    assert browser.get("/console").status_code == 303  # the session ended


def test_a_form_without_its_token_is_refused_and_changes_nothing(app: Any) -> None:
    lina = people(app, "lina")["lina"]
    lina.get(f"/console/centres/{JINJIANG}/stories/new?kind=news")
    form = {"title": "没有令牌的稿件", "body_html": "<p>x</p>"}
    path = f"/console/centres/{JINJIANG}/stories?kind=news"
    missing = lina.post(path, form, csrf=None)
    assert missing.status_code == 403
    assert "表单已失效" in missing.text
    assert lina.post(path, form, csrf="0" * 64).status_code == 403
    other = people(app, "wang")["wang"]
    other.get("/console")
    stolen = TOKEN.search(other.last)
    assert stolen
    assert lina.post(path, form, csrf=stolen.group(1)).status_code == 403  # another session's
    listing = lina.get(f"/console/centres/{JINJIANG}/stories").text
    assert "没有令牌的稿件" not in listing
    assert lina.request("POST", path, '{"title": "x"}').status_code == 403  # JSON: no token
    lina.get(f"/console/centres/{JINJIANG}/stories/new?kind=news")
    assert story_id(lina.post(path, form)) > 0


def test_another_centres_draft_is_not_found(app: Any) -> None:
    team = people(app, "lina", "qing")
    draft = write(team["lina"], "锦江的草稿")
    qing = team["qing"]
    assert qing.get(f"/console/stories/{draft}").status_code == 404
    assert qing.get(f"/console/stories/{draft}/edit").status_code == 404
    qing.get("/console")
    refused = qing.post(f"/console/stories/{draft}/actions/submit", {})
    assert refused.status_code == 404
    assert f"稿件 {draft} 不存在" in refused.text
    assert qing.get(f"/console/centres/{JINJIANG}/stories").status_code == 403
    assert "锦江的草稿" not in qing.get(f"/console/centres/{QINGYANG}/stories").text


def test_buttons_follow_the_gate_and_a_forged_post_is_refused(app: Any) -> None:
    team = people(app, "lina", "wang", "admin1")
    lina, wang = team["lina"], team["wang"]
    story = write(lina, "只有作者能提交")
    assert buttons(lina, story) == {"submit"}
    assert 'id="edit"' in lina.last
    assert buttons(wang, story) == set()  # not his draft
    assert 'id="edit"' not in wang.last
    assert act(lina, story, "submit").status_code == 303
    assert buttons(lina, story) == set()  # a reporter reviews nothing
    assert "审核通过" not in lina.last
    forged = act(lina, story, "approve")
    assert forged.status_code == 403
    assert "无权执行 approve" in forged.text
    assert state(lina, story) == "first_review"
    assert buttons(wang, story) == {"approve", "reject"}
    assert buttons(team["admin1"], story) == set()  # nothing is live yet: no takedown


def library(app: Any, news_clip: bytes) -> tuple[str, str]:
    """A video and an image in Jinjiang's media library (through the API): its asset code
    and the image's address."""
    room = Newsroom(Client(app))
    room.tokens["lina"] = room.login("lina").json()["session"]
    clip = room.library_item("lina", "video", news_clip, "heating.mp4", title="供暖")
    picture = room.library_item("lina", "image", jpeg(), "boiler.jpg", title="锅炉房")
    return clip["asset"], picture["url"]


def test_the_whole_workflow_through_the_forms(app: Any, news_clip: bytes) -> None:
    team = people(app, "lina", "wang", "zhao", "chen", "pei", "pan", "admin1")
    lina, wang, zhao, chen = team["lina"], team["wang"], team["zhao"], team["chen"]
    clip, image = library(app, news_clip)
    story = write(lina, "锦江区冬季供暖启动", summary="今起供暖", video_asset=clip)
    lina.get(f"/console/stories/{story}/edit")
    assert f'value="{clip}"' in lina.last
    edited = lina.post(
        f"/console/stories/{story}/edit",
        {"title": "锦江区今冬供暖启动", "summary": "今起供暖", "body_html": "<p>正文</p>",
         "video_asset": clip, "images": f"{image} | 锅炉房"},
    )  # fmt: skip
    assert edited.headers["location"] == f"/console/stories/{story}?done=edit"
    assert "草稿新版本已保存" in lina.get(edited.headers["location"]).text
    act(lina, story, "submit")
    assert act(wang, story, "approve", comment="同意").status_code == 303
    assert buttons(wang, story) == set()  # one level each
    no_reason = act(zhao, story, "reject")
    assert no_reason.status_code == 400
    assert "须填写理由" in no_reason.text
    assert act(zhao, story, "reject", comment="请补充供暖范围").status_code == 303
    assert state(lina, story) == "draft"
    lina.get(f"/console/stories/{story}/edit")
    lina.post(
        f"/console/stories/{story}/edit",
        {"title": "锦江区今冬供暖启动", "summary": "今起全区供暖", "body_html": "<p>全区</p>",
         "video_asset": clip, "images": ""},
    )  # fmt: skip
    act(lina, story, "submit")
    act(wang, story, "approve")
    act(zhao, story, "approve")
    assert buttons(chen, story) == {"approve", "reject", "schedule", "veto"}
    act(chen, story, "approve")
    assert state(chen, story) == "published"
    audit = chen.get(f"/console/stories/{story}").text
    assert audit.count('<tr data-action="approve">') == 4
    assert "请补充供暖范围" in audit
    public = chen.client.request("GET", f"/api/v1/zones/{JINJIANG}").json()
    assert "锦江区今冬供暖启动" in [s["title"] for s in public["stories"]]
    # Chengdu's editor recommends it to the zone; its desk head approves
    pei, pan = team["pei"], team["pan"]
    page = pei.get(f"/console/centres/{CHENGDU}/recommendations")
    assert f'<tr data-story="{story}">' in page.text
    assert pei.post(
        f"/console/centres/{CHENGDU}/recommendations", {"story": str(story), "comment": "民生"}
    ).status_code == 303  # fmt: skip
    page = pan.get(f"/console/centres/{CHENGDU}/recommendations").text
    rec = re.search(r'data-recommendation="(\d+)"', page)
    assert rec
    assert f"/console/recommendations/{rec.group(1)}/approve" in page
    assert (
        f"/console/recommendations/{rec.group(1)}/approve"
        not in pei.get(f"/console/centres/{CHENGDU}/recommendations").text
    )  # the proposer does not review his own proposal
    assert pan.post(f"/console/recommendations/{rec.group(1)}/approve", {}).status_code == 303
    front = pan.client.request("GET", f"/api/v1/zones/{CHENGDU}").json()["front"]
    assert [s["title"] for s in front if s.get("recommended")] == ["锦江区今冬供暖启动"]
    # a correction is reviewed again while the live version stays up; then a takedown
    act(lina, story, "correct")
    assert state(lina, story) == "draft"
    assert "线上版本" in lina.last
    assert act(team["admin1"], story, "takedown", comment="侵权投诉").status_code == 303
    assert state(chen, story) == "taken_down"


def test_pages_only_read_and_the_runtime_loop_publishes_a_due_story(app: Any) -> None:
    team = people(app, "lina", "wang", "zhao", "chen")
    lina, wang, zhao, chen = team["lina"], team["wang"], team["zhao"], team["chen"]
    story = write(lina, "定时发布的停水通知")
    act(lina, story, "submit")
    an_hour_on = datetime.now(UTC) + timedelta(hours=1)
    timezone = app.state.runtime.settings.timezone
    act(zhao, story, "schedule", publish_at=local_input(an_hour_on, timezone))
    act(wang, story, "approve")
    act(zhao, story, "approve")
    act(chen, story, "approve")
    assert state(chen, story) == "scheduled"
    with app.state.runtime.db.session() as session:  # the hour has passed
        row = session.get(NewsroomStory, story)
        assert row is not None
        row.publish_at = datetime.now(UTC) - timedelta(seconds=1)
    # the public zone shows it from its time on; the console's pages read it, none publishes it
    zone = chen.client.request("GET", f"/api/v1/zones/{JINJIANG}").json()
    assert story in [s["id"] for s in zone["stories"]]
    assert state(chen, story) == "scheduled"
    assert '<tr data-action="publish">' not in chen.last
    assert f"/console/stories/{story}" in chen.get(f"/console/centres/{JINJIANG}/stories").text
    assert state(chen, story) == "scheduled"
    with publishing(app):
        wait_for(lambda: state(chen, story) == "published", 15, "the loop to publish the story")
    assert '<tr data-action="publish">' in chen.last


def test_text_is_escaped_and_bodies_are_sanitised(app: Any) -> None:
    lina = people(app, "lina")["lina"]
    story = write(
        lina,
        "A & B “引号” 'x'",
        body_html='<p>县里<script>alert(1)</script><img src=x onerror="alert(1)">'
        '<a href="javascript:alert(1)">消息</a><b>粗体</b></p>',
    )
    page = lina.get(f"/console/stories/{story}").text
    assert "A &amp; B" in page
    assert "<script>alert" not in page
    assert "onerror" not in page
    assert "javascript:" not in page
    assert "<b>粗体</b>" in page  # allowed markup stays markup
    lina.get(f"/console/centres/{JINJIANG}/stories/new?kind=news")
    again = lina.post(
        f"/console/centres/{JINJIANG}/stories?kind=news",
        {"title": "<b>标题</b>", "body_html": "<p>x</p>"},
    )
    assert again.status_code == 400  # the form again, with the reason and what was typed
    assert "为纯文本，不能包含 &lt; 或 &gt;" in again.text
    assert 'value="&lt;b&gt;标题&lt;/b&gt;"' in again.text


def test_the_console_speaks_both_languages(browser: Browser) -> None:
    browser.login("zhao")
    assert "工作台" in browser.get("/console").text
    switched = browser.get("/console/lang/en?next=/console")
    assert switched.headers["location"] == "/console"
    page = browser.get("/console").text
    assert "Dashboard" in page
    assert "Desk head (second review)" in page
    assert browser.get("/console/lang/en?next=https://evil.example/").headers["location"] == (
        "/console"
    )
    english = Browser(browser.client, lang="en")
    english.get("/console/login")
    assert "Log in" in english.last


def test_notices_and_services_through_their_forms(app: Any) -> None:
    lina = people(app, "lina")["lina"]
    lina.get(f"/console/centres/{JINJIANG}/stories/new?kind=notice")
    assert 'type="date" name="valid_from"' in lina.last
    notice = lina.post(
        f"/console/centres/{JINJIANG}/stories?kind=notice",
        {"title": "停水通知", "issuing_body": "锦江区水务局", "document_number": "锦水〔2026〕3号",
         "valid_from": "2026-12-01", "valid_to": "", "body_html": "<p>停水</p>"},
    )  # fmt: skip
    page = lina.get(f"/console/stories/{story_id(notice)}").text
    assert "锦水〔2026〕3号" in page
    lina.get(f"/console/centres/{JINJIANG}/stories/new?kind=service")
    bad = lina.post(
        f"/console/centres/{JINJIANG}/stories?kind=service",
        {"title": "挂号", "category": "astrology", "body_html": ""},
    )
    assert bad.status_code == 400
    assert "便民服务类别" in bad.text
    lina.get(f"/console/centres/{JINJIANG}/stories/new?kind=service")
    good = lina.post(
        f"/console/centres/{JINJIANG}/stories?kind=service",
        {"title": "挂号", "category": "medical", "phone": "028-1234 5678",
         "link": "https://example.org/a", "body_html": ""},
    )  # fmt: skip
    assert "医疗卫生" in lina.get(f"/console/stories/{story_id(good)}").text


def test_staff_and_planning(app: Any) -> None:
    team = people(app, "admin1", "lina", "wang")
    admin, lina, wang = team["admin1"], team["lina"], team["wang"]
    assert lina.get(f"/console/centres/{JINJIANG}/staff").status_code == 403
    page = admin.get(f"/console/centres/{JINJIANG}/staff")
    assert '<tr data-username="lina">' in page.text
    given = admin.post(
        f"/console/centres/{JINJIANG}/staff",
        {"username": "xiaoyu", "display_name": "小雨", "role": "reporter", "password": PASSWORD},
    )
    assert given.status_code == 303
    assert '<tr data-username="xiaoyu">' in admin.get(given.headers["location"]).text
    weak = admin.post(
        f"/console/centres/{JINJIANG}/staff",
        {"username": "xiaofeng", "role": "reporter", "password": "short"},
    )
    assert weak.status_code == 400
    admin.get(f"/console/centres/{JINJIANG}/staff")
    revoked = admin.post(
        f"/console/centres/{JINJIANG}/staff/revoke", {"username": "xiaoyu", "role": "reporter"}
    )
    assert revoked.status_code == 303
    assert '<tr data-username="xiaoyu">' not in admin.get(revoked.headers["location"]).text
    # planning: an editor adds a topic and gives it to a reporter; a reporter only reads
    assert 'id="add-topic"' not in lina.get(f"/console/centres/{JINJIANG}/topics").text
    wang.get(f"/console/centres/{JINJIANG}/topics")
    added = wang.post(
        f"/console/centres/{JINJIANG}/topics", {"title": "供暖回访", "notes": "走访三个小区"}
    )
    assert added.status_code == 303
    page = wang.get(added.headers["location"]).text
    topic = re.search(r'<tr data-topic="(\d+)">', page)
    assert topic
    assigned = wang.post(
        f"/console/topics/{topic.group(1)}/assign", {"username": "lina", "centre": JINJIANG}
    )
    assert assigned.status_code == 303
    assert "lina" in lina.get(f"/console/centres/{JINJIANG}/topics").text
    lina.get(f"/console/centres/{JINJIANG}/topics")
    forged = lina.post(f"/console/centres/{JINJIANG}/topics", {"title": "记者不能策划"})
    assert forged.status_code == 403


def test_tips_and_comments_from_citizens(app: Any, tmp_path: Path) -> None:
    team = people(app, "lina", "wang", "zhao", "chen", "qing")
    lina, wang = team["lina"], team["wang"]
    now = datetime.now(UTC)
    with app.state.runtime.db.session() as session:
        tip = tips.submit_tip(
            session, None, "东大街路灯坏了<script>x</script>", "13800000000", JINJIANG,
            address_key("console-test"), [], tmp_path, now,
        )  # fmt: skip
        tip_id = tip.id
    page = wang.get(f"/console/centres/{JINJIANG}/tips?state=new").text
    assert f'data-tip="{tip_id}"' in page
    assert "<script>x" not in page
    assert f"/console/tips/{tip_id}/topic" in page
    reporter = lina.get(f"/console/centres/{JINJIANG}/tips").text
    assert f'data-tip="{tip_id}"' in reporter  # every role reads the queue …
    assert f"/console/tips/{tip_id}/topic" not in reporter  # … editors triage it
    assert lina.post(f"/console/tips/{tip_id}/topic", {"title": "x"}).status_code == 403
    assert team["qing"].get(f"/console/centres/{JINJIANG}/tips").status_code == 403
    made = wang.post(f"/console/tips/{tip_id}/topic", {"title": "路灯维修回访"})
    assert made.status_code == 303
    topics = wang.get(f"/console/centres/{JINJIANG}/topics").text
    assert "路灯维修回访" in topics
    assert "群众爆料" in topics
    # a comment on a published story waits for an editor in the console
    story = write(lina, "评论用的稿件")
    act(lina, story, "submit")
    for who in ("wang", "zhao", "chen"):
        act(team[who], story, "approve")
    with app.state.runtime.db.session() as session:
        household = create_household(session, "hh-console", JINJIANG, password="hh-pass-12")
        made_comment = comments.post_comment(
            session, citizen(session, household.id), story, "供暖很及时", now
        )
        comment_id = made_comment.id
    queue = wang.get(f"/console/centres/{JINJIANG}/comments").text
    assert f'<tr data-comment="{comment_id}">' in queue
    assert lina.get(f"/console/centres/{JINJIANG}/comments").status_code == 403
    assert wang.post(f"/console/comments/{comment_id}/approve", {}).status_code == 303
    public = wang.client.request("GET", f"/api/v1/stories/{story}/comments").json()
    assert [c["text"] for c in public["comments"]] == ["供暖很及时"]
