"""The newsroom over HTTP: staff sessions, stories and their workflow, recommendations,
staff and planning under ``/api/v1/newsroom``; zone pages for everyone under
``/api/v1/zones``. Each request is one transaction: a refusal leaves nothing written.
Every decision is the actions' (and so the gate's); routes only translate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from yunjin.api.credentials import guarded
from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.credentials.guard import Realm
from yunjin.db.models import NewsroomStaff
from yunjin.live.source_networks import allowed_networks
from yunjin.newsroom import comments, live_events, planning, polls, stories, zones
from yunjin.newsroom import staff as accounts
from yunjin.newsroom.content import Content, Image, Kind, check_content, parse_kind
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.permissions import Actor
from yunjin.newsroom.syndication import RecommendationState, Verdict
from yunjin.newsroom.tenants import list_tenants
from yunjin.newsroom.terms import ROLE_LABELS, Action, StoryState, label

router = APIRouter(tags=["newsroom"])
PREFIX: Final = "/api/v1/newsroom"
T = TypeVar("T")
Authorization = Annotated[str | None, Header()]
STATUS: Final = {
    "newsroom_login_required": 401,
    "newsroom_other_tenant": 403,
    "newsroom_role_forbidden": 403,
    "newsroom_not_author": 403,
    "newsroom_own_story": 403,
    "newsroom_already_approved": 403,
    "newsroom_wrong_state": 409,
    "newsroom_not_due": 409,
    "newsroom_recommendation_exists": 409,
    "newsroom_recommendation_closed": 409,
    "newsroom_invitation_closed": 409,
    "newsroom_media_in_use": 409,
}


def _status(code: str) -> int:
    return 404 if code.endswith("_not_found") else STATUS.get(code, 400)


def _now() -> datetime:
    return datetime.now(UTC)


def _run(request: Request, authorization: str | None, work: Callable[[Session, Actor], T]) -> T:
    """``work`` as the logged-in staff member, in one transaction."""
    token = _bearer(authorization)
    try:
        with runtime_of(request).db.session() as session:
            person = accounts.session_staff(session, token, _now())
            if person is None:
                raise NewsroomError("newsroom_login_required")
            return work(session, accounts.actor_for(session, person.id))
    except NewsroomError as error:
        raise ApiError(_status(error.code), error.code, error.values) from error


def _public(request: Request, work: Callable[[Session], T]) -> T:
    try:
        with runtime_of(request).db.session() as session:
            return work(session)
    except NewsroomError as error:
        raise ApiError(_status(error.code), error.code, error.values) from error


def _bearer(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "newsroom_login_required")
    return authorization[7:].strip()


# -- sessions --------------------------------------------------------------------------


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


@router.post(f"{PREFIX}/login")
def login(request: Request, body: LoginIn) -> dict[str, Any]:
    """A session token for a staff member, through the credential throttle (failures lock
    the username and the client's address for a while)."""

    def work() -> accounts.Login:
        with runtime_of(request).db.session() as session:
            return accounts.login(session, body.username, body.password, _now())

    done = guarded(request, Realm.NEWSROOM, body.username, work)
    return {
        "session": done.token,
        "username": done.username,
        "expires_at": int(done.expires_at.timestamp()),
    }


@router.post(f"{PREFIX}/logout")
def logout(request: Request, authorization: Authorization = None) -> dict[str, bool]:
    token = _bearer(authorization)
    with runtime_of(request).db.session() as session:
        return {"logged_out": accounts.logout(session, token, _now())}


class PasswordIn(BaseModel):
    current: str = Field(max_length=256)
    new: str = Field(max_length=256)


@router.post(f"{PREFIX}/password")
def change_password(
    request: Request, body: PasswordIn, authorization: Authorization = None
) -> dict[str, Any]:
    """Change one's own password (the current one through the throttle); one's other
    sessions end."""
    token = _bearer(authorization)
    person = _run(request, authorization, lambda s, actor: _username(s, actor))

    def work() -> int:
        return _run(
            request,
            authorization,
            lambda s, actor: accounts.change_password(
                s, actor.id, body.current, body.new, _now(), keep_token=token
            ),
        )

    return {"changed": True, "sessions_ended": guarded(request, Realm.NEWSROOM, person, work)}


def _username(session: Session, actor: Actor) -> str:
    person = session.get(NewsroomStaff, actor.id)
    assert person is not None
    return person.username


@router.get(f"{PREFIX}/invitations")
def my_invitations(request: Request, authorization: Authorization = None) -> dict[str, Any]:
    """Roles other centres offer me, waiting for my answer."""
    return _run(
        request,
        authorization,
        lambda s, actor: {"invitations": accounts.invitations_of(s, actor.id, _now())},
    )


@router.post(f"{PREFIX}/invitations/{{invitation}}/{{answer}}")
def answer_invitation(
    request: Request, invitation: int, answer: str, authorization: Authorization = None
) -> dict[str, Any]:
    """``accept`` (the role is mine) or ``decline`` an invitation."""
    if answer not in ("accept", "decline"):
        raise ApiError(404, "not_found")

    def reply(session: Session, actor: Actor) -> dict[str, Any]:
        done = accounts.answer_invitation(session, actor.id, invitation, answer == "accept", _now())
        return {
            "tenant": done.tenant,
            "role": done.role.value,
            "status": "declined" if done.invitation else "granted",
        }

    return _run(request, authorization, reply)


@router.get(f"{PREFIX}/me")
def me(request: Request, authorization: Authorization = None) -> dict[str, Any]:
    def who(session: Session, actor: Actor) -> dict[str, Any]:
        grants = sorted(actor.grants, key=lambda g: (g.tenant.code, g.role.value))
        roles = [
            {"tenant": g.tenant.code, "role": g.role.value, "label": label(ROLE_LABELS[g.role])}
            for g in grants
        ]
        person = session.get(NewsroomStaff, actor.id)
        assert person is not None
        return {
            "id": actor.id,
            "username": person.username,
            "display_name": person.display_name,
            "roles": roles,
        }

    return _run(request, authorization, who)


@router.get(f"{PREFIX}/tenants")
def tenants(request: Request, authorization: Authorization = None) -> dict[str, Any]:
    def listing(session: Session, _actor: Actor) -> dict[str, Any]:
        return {
            "tenants": [
                {
                    "code": t.code,
                    "parent": t.parent_code,
                    "level": t.level,
                    "review_levels": t.review_levels,
                    "name": {"zh-CN": t.name_zh, "en": t.name_en},
                }
                for t in list_tenants(session)
            ]
        }

    return _run(request, authorization, listing)


# -- stories ---------------------------------------------------------------------------


class ImageIn(BaseModel):
    url: str = Field(max_length=2000)
    caption: str = Field(default="", max_length=1000)


class StoryIn(BaseModel):
    """A story's content; on PATCH, the fields left out keep their values."""

    kind: str = Field(default="news", max_length=32)
    title: str = Field(default="", max_length=1000)
    summary: str = Field(default="", max_length=5000)
    body_html: str = Field(default="", max_length=400_000)
    images: list[ImageIn] = Field(default_factory=list, max_length=100)
    video_asset: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(default_factory=dict)
    topic: int | None = None


def _content(kind: Kind, fields: dict[str, Any]) -> Content:
    return check_content(
        kind,
        title=fields.get("title", ""),
        summary=fields.get("summary", ""),
        body_html=fields.get("body_html", ""),
        images=tuple(Image(i["url"], i.get("caption", "")) for i in fields.get("images", [])),
        video_asset=fields.get("video_asset"),
        details=fields.get("details") or {},
    )


@router.get(f"{PREFIX}/tenants/{{code}}/stories")
def tenant_stories(
    request: Request,
    code: str,
    authorization: Authorization = None,
    state: StoryState | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """A centre's stories, drafts included: for its own staff only."""

    def listing(session: Session, actor: Actor) -> dict[str, Any]:
        found = stories.list_stories(session, actor, code, state, limit)
        return {"stories": [stories.story_json(session, s) for s in found]}

    return _run(request, authorization, listing)


@router.post(f"{PREFIX}/tenants/{{code}}/stories", status_code=201)
def create_story(
    request: Request, code: str, body: StoryIn, authorization: Authorization = None
) -> dict[str, Any]:
    networks = allowed_networks(runtime_of(request).settings)

    def create(session: Session, actor: Actor) -> dict[str, Any]:
        content = _content(parse_kind(body.kind), body.model_dump())
        live_events.check_event_source(content, networks)
        story = stories.create_story(session, actor, code, content, _now(), topic_id=body.topic)
        return stories.story_json(session, story)

    return _run(request, authorization, create)


@router.get(f"{PREFIX}/stories/{{story_id}}")
def get_story(
    request: Request, story_id: int, authorization: Authorization = None
) -> dict[str, Any]:
    def read(session: Session, actor: Actor) -> dict[str, Any]:
        return stories.story_json(session, stories.get_story(session, actor, story_id))

    return _run(request, authorization, read)


@router.patch(f"{PREFIX}/stories/{{story_id}}")
def edit_story(
    request: Request, story_id: int, body: StoryIn, authorization: Authorization = None
) -> dict[str, Any]:
    """A new version of a draft, by its author; fields left out keep their values."""
    networks = allowed_networks(runtime_of(request).settings)

    def edit(session: Session, actor: Actor) -> dict[str, Any]:
        story = stories.get_story(session, actor, story_id)
        current = stories.version(session, story.id, story.working_version)
        fields = {**stories.version_json(current), **body.model_dump(exclude_unset=True)}
        content = _content(Kind(story.kind), fields)
        live_events.check_event_source(content, networks)
        edited = stories.edit_story(session, actor, story_id, content, _now())
        return stories.story_json(session, edited)

    return _run(request, authorization, edit)


@router.get(f"{PREFIX}/stories/{{story_id}}/versions")
def story_versions(
    request: Request, story_id: int, authorization: Authorization = None
) -> dict[str, Any]:
    return _run(
        request,
        authorization,
        lambda s, actor: {"versions": stories.versions(s, actor, story_id)},
    )


@router.get(f"{PREFIX}/stories/{{story_id}}/audit")
def story_audit(
    request: Request, story_id: int, authorization: Authorization = None
) -> dict[str, Any]:
    """Who did what to the story, when, from which state to which, what changed, why."""
    return _run(
        request,
        authorization,
        lambda s, actor: {"audit": stories.audit_trail(s, actor, story_id)},
    )


class ActionIn(BaseModel):
    comment: str = Field(default="", max_length=2000)
    publish_at: int | None = Field(default=None, description="schedule: UTC seconds")


@router.post(f"{PREFIX}/stories/{{story_id}}/actions/{{action}}")
def story_action(
    request: Request,
    story_id: int,
    action: str,
    authorization: Authorization = None,
    body: ActionIn | None = None,
) -> dict[str, Any]:
    """submit, approve, reject (comment), veto (comment), schedule (publish_at), publish,
    correct, unpublish, takedown (comment)."""
    given = body or ActionIn()
    verb = _story_action(action)
    at = None if given.publish_at is None else _moment(given.publish_at)

    def move(session: Session, actor: Actor) -> dict[str, Any]:
        story = stories.act(
            session, actor, story_id, verb, _now(), comment=given.comment, publish_at=at
        )
        return stories.story_json(session, story)

    return _run(request, authorization, move)


def _story_action(value: str) -> Action:
    choices = sorted(a.value for a in stories.TRANSITION_ACTIONS)
    if value not in choices:
        raise ApiError(
            400, "newsroom_unknown_action", {"action": value[:40], "choices": ", ".join(choices)}
        )
    return Action(value)


def _moment(seconds: int) -> datetime:
    if not 0 < seconds < 2**33:
        raise ApiError(400, "newsroom_bad_publish_at")
    return datetime.fromtimestamp(seconds, UTC)


# -- recommendations -------------------------------------------------------------------


class RecommendIn(BaseModel):
    zone: str = Field(pattern=r"^\d{6}$")
    comment: str = Field(default="", max_length=2000)


@router.post(f"{PREFIX}/stories/{{story_id}}/recommendations", status_code=201)
def recommend(
    request: Request, story_id: int, body: RecommendIn, authorization: Authorization = None
) -> dict[str, Any]:
    """Propose a published story for the front page of a zone above its centre."""
    return _run(
        request,
        authorization,
        lambda s, actor: zones.recommendation_json(
            zones.recommend(s, actor, story_id, body.zone, _now(), body.comment)
        ),
    )


@router.get(f"{PREFIX}/tenants/{{code}}/recommendations")
def zone_recommendations(
    request: Request,
    code: str,
    authorization: Authorization = None,
    state: RecommendationState | None = None,
) -> dict[str, Any]:
    return _run(
        request,
        authorization,
        lambda s, actor: {"recommendations": zones.recommendations(s, actor, code, state)},
    )


class ReviewIn(BaseModel):
    comment: str = Field(default="", max_length=2000)


@router.post(f"{PREFIX}/recommendations/{{recommendation_id}}/actions/{{verdict}}")
def review_recommendation(
    request: Request,
    recommendation_id: int,
    verdict: str,
    authorization: Authorization = None,
    body: ReviewIn | None = None,
) -> dict[str, Any]:
    """approve, or reject (comment): the receiving centre's desk decides."""
    if verdict not in {v.value for v in Verdict}:
        raise ApiError(400, "newsroom_bad_review", {"verdict": verdict[:40]})
    comment = (body or ReviewIn()).comment
    return _run(
        request,
        authorization,
        lambda s, actor: zones.recommendation_json(
            zones.review_recommendation(
                s, actor, recommendation_id, Verdict(verdict), _now(), comment
            )
        ),
    )


# -- staff and planning ----------------------------------------------------------------


class GrantIn(BaseModel):
    username: str = Field(max_length=64)
    role: str = Field(max_length=32)
    password: str | None = Field(default=None, max_length=256)
    display_name: str = Field(default="", max_length=100)


@router.get(f"{PREFIX}/tenants/{{code}}/staff")
def tenant_staff(
    request: Request, code: str, authorization: Authorization = None
) -> dict[str, Any]:
    return _run(
        request, authorization, lambda s, actor: {"staff": accounts.staff_of(s, actor, code)}
    )


@router.post(f"{PREFIX}/tenants/{{code}}/staff", status_code=201)
def grant_role(
    request: Request,
    response: Response,
    code: str,
    body: GrantIn,
    authorization: Authorization = None,
) -> dict[str, Any]:
    """Give a person a role in the centre (a new person: with a password). A person of
    another centre is invited instead (202): the role is theirs once they accept. A
    password given for a person who exists is ignored, never checked."""

    def give(session: Session, actor: Actor) -> dict[str, Any]:
        role = accounts.parse_role(body.role)
        done = accounts.grant_as(
            session,
            actor,
            body.username,
            code,
            role,
            password=body.password,
            display_name=body.display_name,
            now=_now(),
        )
        if done.invitation is not None:
            response.status_code = 202
            return {
                "username": done.username,
                "tenant": code,
                "role": role.value,
                "status": "invited",
                "invitation": done.invitation,
            }
        return {"username": done.username, "tenant": code, "role": role.value, "status": "granted"}

    return _run(request, authorization, give)


@router.delete(f"{PREFIX}/tenants/{{code}}/staff/{{username}}/roles/{{role}}")
def revoke_role(
    request: Request, code: str, username: str, role: str, authorization: Authorization = None
) -> dict[str, Any]:
    return _run(
        request,
        authorization,
        lambda s, actor: {
            "revoked": accounts.revoke_as(s, actor, username, code, accounts.parse_role(role))
        },
    )


class TopicIn(BaseModel):
    title: str = Field(max_length=1000)
    notes: str = Field(default="", max_length=10_000)


class AssignIn(BaseModel):
    username: str = Field(max_length=64)


@router.get(f"{PREFIX}/tenants/{{code}}/topics")
def tenant_topics(
    request: Request, code: str, authorization: Authorization = None, state: str | None = "open"
) -> dict[str, Any]:
    return _run(
        request, authorization, lambda s, actor: {"topics": planning.topics(s, actor, code, state)}
    )


@router.post(f"{PREFIX}/tenants/{{code}}/topics", status_code=201)
def add_topic(
    request: Request, code: str, body: TopicIn, authorization: Authorization = None
) -> dict[str, Any]:
    def add(session: Session, actor: Actor) -> dict[str, Any]:
        topic = planning.add_topic(session, actor, code, body.title, body.notes, _now())
        return {"id": topic.id, "tenant": code, "title": topic.title}

    return _run(request, authorization, add)


@router.post(f"{PREFIX}/topics/{{topic_id}}/assignments", status_code=201)
def assign_topic(
    request: Request, topic_id: int, body: AssignIn, authorization: Authorization = None
) -> dict[str, Any]:
    def give(session: Session, actor: Actor) -> dict[str, Any]:
        planning.assign(session, actor, topic_id, body.username, _now())
        return {"topic": topic_id, "username": body.username}

    return _run(request, authorization, give)


# -- zones (public) --------------------------------------------------------------------


@router.get("/api/v1/zones/{code}")
def zone(request: Request, code: str) -> dict[str, Any]:
    """The front page (province), a zone with its sections (prefecture) or a section
    (county): published stories with bilingual labels."""
    return _public(request, lambda s: zones.zone_page(s, code, _now()))


@router.get("/api/v1/zones/{code}/stories/{story_id}")
def zone_story(request: Request, code: str, story_id: int) -> dict[str, Any]:
    """One published story as shown on that page, with its body, its published comments
    and its poll (results once it closed)."""

    def read(session: Session) -> dict[str, Any]:
        now = _now()
        story = zones.public_story(session, code, story_id, now)
        story.update(comments.public_comments(session, story_id, now))
        return {**story, "poll": polls.public_poll(session, story_id, now)}

    return _public(request, read)
