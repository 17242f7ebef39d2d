"""The staff console (``/console``): the newsroom in a browser, server-rendered, bilingual.

Every page reads and every form acts through the same actions as the API, so the gate
(``permissions.may``) decides twice: once to draw only the buttons a person may press, and
again when the form arrives. A story of another centre answers "not found", as in the API.
Each POST is one transaction, checked for its CSRF token first (``console_web``); a refusal
leaves nothing written and shows the newsroom's own bilingual message.

This module: logging in and out, the language, the dashboard, a centre's stories, a story's
page with its review actions and audit trail, writing and editing. ``console_desk``: the
zone desk's recommendations, staff and planning.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from yunjin.api.credentials import attempt_of
from yunjin.api.deps import runtime_of
from yunjin.credentials.guard import LoginRefused, Realm
from yunjin.db.models import Channel, NewsroomStory, NewsroomTip, NewsroomTopic
from yunjin.i18n import both
from yunjin.live.source_networks import allowed_networks
from yunjin.newsroom import library, live_events, stories
from yunjin.newsroom import staff as accounts
from yunjin.newsroom.console_forms import (
    FIELDS,
    content_from_form,
    form_values,
    moment_from_form,
)
from yunjin.newsroom.console_web import (
    LANG_COOKIE,
    LOGIN_COOKIE,
    PATH,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    STATIC,
    FormRefused,
    Page,
    Rerender,
    Visit,
    bare_page,
    check_csrf,
    done_notice,
    new_login_nonce,
    now,
    posted,
    read_form,
    redirect,
    refusal,
    render,
    safe_next,
    set_cookie,
    show,
)
from yunjin.newsroom.content import Kind, ServiceCategory, parse_kind
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.permissions import Actor, Decision, may, require
from yunjin.newsroom.tenants import get_tenant, tenant_ref
from yunjin.newsroom.terms import REVIEW_STATES, Action, StoryState
from yunjin.newsroom.workflow import NEEDS_COMMENT

router = APIRouter(include_in_schema=False)
# the order a story's buttons stand in
STORY_ACTIONS: Final = (
    Action.SUBMIT,
    Action.APPROVE,
    Action.REJECT,
    Action.SCHEDULE,
    Action.PUBLISH,
    Action.CORRECT,
    Action.UNPUBLISH,
    Action.VETO,
    Action.TAKEDOWN,
)


# -- sessions and language -------------------------------------------------------------


@router.get(f"{PATH}/static/console.css")
def stylesheet() -> Response:
    return FileResponse(STATIC / "console.css", media_type="text/css")


@router.get(f"{PATH}/login")
def login_page(request: Request, next: str = PATH) -> Response:
    nonce = new_login_nonce()
    page = bare_page(request)
    response = render(
        page, "login.html", title=page.text("login"), nonce=nonce, next=safe_next(next)
    )
    set_cookie(response, request, LOGIN_COOKIE, nonce, 3600)
    return response


@router.post(f"{PATH}/login")
async def login(request: Request) -> Response:
    """Log in; the form's token must repeat the login cookie's (no session exists yet)."""
    page = bare_page(request)
    try:
        form = await read_form(request)
        check_csrf(request.cookies.get(LOGIN_COOKIE, ""), form.get("csrf"))
    except FormRefused as refused:
        return refusal(page, refused.code, {}, refused.status)
    return await run_in_threadpool(_login, request, page, form)


LOGIN_STATUS: Final = {"login_locked": 429, "credentials_busy": 503}


def _login(request: Request, page: Page, form: dict[str, str]) -> Response:
    """The login form's check, through the credential throttle like the API's."""
    runtime = runtime_of(request)
    username = form.get("username", "")[:64]

    def work() -> accounts.Login:
        with runtime.db.session() as session:
            return accounts.login(session, username, form.get("password", "")[:256], now())

    try:
        done = runtime.credentials.run(attempt_of(request, Realm.NEWSROOM, username), work)
    except LoginRefused as refused:
        values = {"retry_after_s": refused.retry_after_s} if refused.retry_after_s else {}
        nonce = new_login_nonce()
        shown = render(
            page,
            "login.html",
            LOGIN_STATUS.get(refused.code, 401),
            title=page.text("login"),
            nonce=nonce,
            next=safe_next(form.get("next")),
            error=both(refused.code, **values)[page.lang],
            username=username,
        )
        if refused.retry_after_s:
            shown.headers["Retry-After"] = str(refused.retry_after_s)
        set_cookie(shown, request, LOGIN_COOKIE, nonce, 3600)
        return shown
    response = redirect(safe_next(form.get("next")))
    set_cookie(response, request, SESSION_COOKIE, done.token, SESSION_MAX_AGE)
    response.delete_cookie(LOGIN_COOKIE, path=PATH)
    return response


@router.post(f"{PATH}/logout")
async def logout(request: Request) -> Response:
    def end(session: Session, _visit: Visit, _form: dict[str, str]) -> Response:
        accounts.logout(session, request.cookies.get(SESSION_COOKIE, ""), now())
        response = redirect(f"{PATH}/login")
        response.delete_cookie(SESSION_COOKIE, path=PATH)
        return response

    return await posted(request, end)


@router.get(f"{PATH}/lang/{{lang}}")
def choose_language(request: Request, lang: str, next: str = PATH) -> Response:
    response = redirect(safe_next(next))
    if lang in ("zh-CN", "en"):
        set_cookie(response, request, LANG_COOKIE, lang, 365 * 86400)
    return response


# -- the dashboard ---------------------------------------------------------------------


@router.get(PATH)
def dashboard(request: Request) -> Response:
    """My centres with their stories by state, and what waits for my review."""

    def draw(session: Session, visit: Visit) -> Response:
        codes = sorted({g.tenant.code for g in visit.actor.grants})
        counts: dict[str, dict[str, int]] = {code: {} for code in codes}
        rows = session.execute(
            select(NewsroomStory.tenant_code, NewsroomStory.state, func.count())
            .where(NewsroomStory.tenant_code.in_(codes))
            .group_by(NewsroomStory.tenant_code, NewsroomStory.state)
        )
        for code, state, count in rows:
            counts[code][state] = count
        tip_rows = session.execute(
            select(NewsroomTip.tenant_code, func.count())
            .where(NewsroomTip.tenant_code.in_(codes), NewsroomTip.state == "new")
            .group_by(NewsroomTip.tenant_code)
        )
        new_tips = {code: count for code, count in tip_rows}
        centres = [
            {
                "tenant": get_tenant(session, code),
                "roles": sorted(r.value for r in visit.actor.roles_in(code)),
                "counts": counts[code],
                "tips": new_tips.get(code, 0),
            }
            for code in codes
        ]
        in_review = session.scalars(
            select(NewsroomStory)
            .where(
                NewsroomStory.tenant_code.in_(codes),
                NewsroomStory.state.in_([s.value for s in REVIEW_STATES]),
            )
            .order_by(NewsroomStory.updated_at)
            .limit(200)
        )
        waiting = [s for s in in_review if allowed(session, visit.actor, s, (Action.APPROVE,))]
        return render(
            visit.page,
            "dashboard.html",
            title=visit.page.text("dashboard"),
            centres=centres,
            states=[s.value for s in StoryState],
            waiting=[stories.story_json(session, s) for s in waiting[:50]],
        )

    return show(request, draw)


def decide(session: Session, actor: Actor, story: NewsroomStory, action: Action) -> Decision:
    """The gate's decision on ``action`` for ``story`` as it stands."""
    flow = stories.flow_of(story)
    tenant = tenant_ref(session, story.tenant_code)
    return may(actor, action, tenant, flow.state, flow.author, flow.approvals, live=flow.live)


def allowed(
    session: Session, actor: Actor, story: NewsroomStory, actions: tuple[Action, ...]
) -> list[Action]:
    """Which of ``actions`` the gate lets ``actor`` take on ``story`` now."""
    return [action for action in actions if decide(session, actor, story, action)]


# -- a centre's stories ----------------------------------------------------------------


@router.get(f"{PATH}/centres/{{code}}/stories")
def centre_stories(request: Request, code: str, state: str = "") -> Response:
    def draw(session: Session, visit: Visit) -> Response:
        chosen = _state(state)
        found = stories.list_stories(session, visit.actor, code, chosen, 200)
        return render(
            visit.page,
            "stories.html",
            title=visit.page.text("stories"),
            tenant=get_tenant(session, code),
            state=chosen.value if chosen else "",
            states=[s.value for s in StoryState],
            kinds=[k.value for k in Kind],
            may_create=bool(may(visit.actor, Action.CREATE, tenant_ref(session, code))),
            stories=[stories.story_json(session, s) for s in found],
        )

    return show(request, draw)


def _state(value: str) -> StoryState | None:
    if not value:
        return None
    try:
        return StoryState(value)
    except ValueError:
        raise NewsroomError("console_bad_state", state=value[:40]) from None


# -- writing and editing ---------------------------------------------------------------


def _editor(
    session: Session,
    visit: Visit,
    code: str,
    kind: Kind,
    values: dict[str, str],
    action: str,
    *,
    story: int | None = None,
    error: str = "",
) -> Response:
    from_topics = session.execute(
        select(NewsroomTopic.id, NewsroomTopic.title)
        .where(NewsroomTopic.tenant_code == code, NewsroomTopic.state == "open")
        .order_by(NewsroomTopic.id.desc())
        .limit(100)
    )
    channels = session.execute(
        select(Channel.tvg_id, Channel.number, Channel.name_zh)
        .where(Channel.event_story_id.is_(None))  # the lineup: events' own channels are not
        .order_by(Channel.number)
    )
    return render(
        visit.page,
        "edit.html",
        400 if error else 200,
        title=visit.page.text("edit_story" if story else "new_story"),
        tenant=get_tenant(session, code),
        kind=kind.value,
        fields=FIELDS[kind.value],
        values=values,
        action=action,
        story=story,
        error=error,
        categories=[c.value for c in ServiceCategory],
        channels=[tuple(row) for row in channels],
        topics=[tuple(row) for row in from_topics],
        **_library_choices(session, visit, code, kind),
    )


def _library_choices(session: Session, visit: Visit, code: str, kind: Kind) -> dict[str, Any]:
    """The centre's videos and images a news story may attach, and the texts any story
    may take a copy of (its library)."""
    if not may(visit.actor, Action.VIEW_LIBRARY, tenant_ref(session, code)):
        return {"videos": [], "images": [], "texts": []}
    texts = library.items_of(session, visit.actor, code, library.MediaKind.TEXT)
    if kind is not Kind.NEWS:
        return {"videos": [], "images": [], "texts": library.items_json(session, texts)}
    items = library.items_json(session, library.items_of(session, visit.actor, code))
    return {
        "videos": [i for i in items if i["kind"] == "video"],
        "images": [i for i in items if i["kind"] == "image"],
        "texts": [i for i in items if i["kind"] == "text"],
    }


def _with_text(session: Session, visit: Visit, code: str, form: dict[str, str]) -> dict[str, str]:
    """The form again with the chosen library text's body added at the end of the story's
    body: a copy the story owns (the "insert" button; nothing is saved)."""
    chosen = form.get("insert_text", "")
    if not chosen.isdigit():
        raise NewsroomError("newsroom_media_not_found", media=chosen[:20])
    body = library.text_body(session, visit.actor, code, int(chosen))
    before = form.get("body_html", "").rstrip()
    return {**form, "body_html": f"{before}\n{body}" if before else body}


@router.get(f"{PATH}/centres/{{code}}/stories/new")
def new_story(request: Request, code: str, kind: str = "news") -> Response:
    def draw(session: Session, visit: Visit) -> Response:
        chosen = parse_kind(kind)
        require(may(visit.actor, Action.CREATE, tenant_ref(session, code)))
        action = f"{PATH}/centres/{code}/stories?kind={chosen.value}"
        return _editor(session, visit, code, chosen, {}, action)

    return show(request, draw)


@router.post(f"{PATH}/centres/{{code}}/stories")
async def create_story(request: Request, code: str, kind: str = "news") -> Response:
    networks = allowed_networks(runtime_of(request).settings)

    def create(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        chosen = parse_kind(kind)
        action = f"{PATH}/centres/{code}/stories?kind={chosen.value}"
        try:
            if form.get("do") == "insert_text":
                require(may(visit.actor, Action.CREATE, tenant_ref(session, code)))
                filled = _with_text(session, visit, code, form)
                return _editor(session, visit, code, chosen, filled, action)
            content = content_from_form(chosen, form, visit.page.timezone)
            live_events.check_event_source(content, networks)
            topic = int(form["topic"]) if form.get("topic", "").isdigit() else None
            story = stories.create_story(session, visit.actor, code, content, now(), topic_id=topic)
        except NewsroomError as error:
            if error.code in _GATE_REFUSALS:
                raise
            message = error.messages()[visit.page.lang]
            raise Rerender(
                _editor(session, visit, code, chosen, form, action, error=message)
            ) from error
        return redirect(f"{PATH}/stories/{story.id}?done=create")

    return await posted(request, create)


_GATE_REFUSALS: Final = frozenset(
    {
        "newsroom_other_tenant",
        "newsroom_role_forbidden",
        "newsroom_not_author",
        "newsroom_wrong_state",
        "newsroom_story_not_found",
        "newsroom_tenant_not_found",
    }
)


@router.get(f"{PATH}/stories/{{story_id}}/edit")
def edit_page(request: Request, story_id: int) -> Response:
    def draw(session: Session, visit: Visit) -> Response:
        story = stories.get_story(session, visit.actor, story_id)
        require(decide(session, visit.actor, story, Action.EDIT))
        working = stories.version_json(stories.version(session, story.id, story.working_version))
        values = form_values(working, visit.page.timezone)
        action = f"{PATH}/stories/{story.id}/edit"
        return _editor(
            session, visit, story.tenant_code, Kind(story.kind), values, action, story=story.id
        )

    return show(request, draw)


@router.post(f"{PATH}/stories/{{story_id}}/edit")
async def edit_story(request: Request, story_id: int) -> Response:
    networks = allowed_networks(runtime_of(request).settings)

    def edit(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        story = stories.get_story(session, visit.actor, story_id)
        kind = Kind(story.kind)
        try:
            if form.get("do") == "insert_text":
                require(decide(session, visit.actor, story, Action.EDIT))
                filled = _with_text(session, visit, story.tenant_code, form)
                action = f"{PATH}/stories/{story_id}/edit"
                return _editor(
                    session, visit, story.tenant_code, kind, filled, action, story=story_id
                )
            content = content_from_form(kind, form, visit.page.timezone)
            live_events.check_event_source(content, networks)
            stories.edit_story(session, visit.actor, story_id, content, now())
        except NewsroomError as error:
            if error.code in _GATE_REFUSALS:
                raise
            message = error.messages()[visit.page.lang]
            action = f"{PATH}/stories/{story_id}/edit"
            raise Rerender(
                _editor(
                    session, visit, story.tenant_code, kind, form, action, story=story_id,
                    error=message,
                )
            ) from error  # fmt: skip
        return redirect(f"{PATH}/stories/{story_id}?done=edit")

    return await posted(request, edit)


# -- a story: its versions, the review actions, the audit trail ------------------------


@router.get(f"{PATH}/stories/{{story_id}}")
def story_page(request: Request, story_id: int, done: str = "") -> Response:
    def draw(session: Session, visit: Visit) -> Response:
        story = stories.get_story(session, visit.actor, story_id)
        view = stories.story_json(session, story)
        can = allowed(session, visit.actor, story, (*STORY_ACTIONS, Action.EDIT))
        return render(
            visit.page,
            "story.html",
            title=view["working_version"]["title"],
            tenant=get_tenant(session, story.tenant_code),
            story=view,
            actions=[a.value for a in can if a is not Action.EDIT],
            may_edit=Action.EDIT in can,
            needs_comment=[a.value for a in NEEDS_COMMENT],
            audit=stories.audit_trail(session, visit.actor, story_id),
            versions=stories.versions(session, visit.actor, story_id),
            notice=done_notice(visit.page, done),
        )

    return show(request, draw)


@router.post(f"{PATH}/stories/{{story_id}}/actions/{{action}}")
async def story_action(request: Request, story_id: int, action: str) -> Response:
    """One step of the workflow; the gate decides again whatever the page showed."""

    def act(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        if action not in {a.value for a in STORY_ACTIONS}:
            choices = ", ".join(a.value for a in STORY_ACTIONS)
            raise NewsroomError("newsroom_unknown_action", action=action[:40], choices=choices)
        at = moment_from_form(form.get("publish_at", ""), "publish_at", visit.page.timezone)
        stories.act(
            session,
            visit.actor,
            story_id,
            Action(action),
            now(),
            comment=form.get("comment", "")[:2000],
            publish_at=at,
        )
        return redirect(f"{PATH}/stories/{story_id}?done={action}")

    return await posted(request, act)
