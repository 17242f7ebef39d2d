"""What the staff console's pages share: the session cookie, CSRF tokens, the language, form
bodies, and Jinja2 rendering with autoescaping.

- **Session**: the newsroom's own staff session (``staff.login``), its token in an HttpOnly,
  ``SameSite=Strict`` cookie scoped to ``/console`` (``Secure`` over HTTPS).
- **CSRF**: every form carries a token derived from the session token with HMAC-SHA256
  (per session, nothing stored); every POST is refused with 403 unless it matches. The login
  form, before any session, uses a random value kept in a ``SameSite=Strict`` cookie and
  repeated in the form (double submit).
- **Language**: ``zh-CN`` or ``en`` from a cookie the switch sets, else the browser's.
- **Markup**: templates autoescape everything; a story's body is run through the same nh3
  allow-list again before it is marked safe.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, quote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from yunjin.api.deps import runtime_of
from yunjin.db.models import NewsroomStaff
from yunjin.i18n import Language, both, preferred_language
from yunjin.newsroom import staff as accounts
from yunjin.newsroom.console_text import TEXT
from yunjin.newsroom.content import KIND_LABELS, Kind, sanitise_html
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.http import STATUS
from yunjin.newsroom.permissions import EDITORS, Actor
from yunjin.newsroom.terms import ROLE_LABELS, STATE_LABELS, Role, StoryState

TEMPLATES: Final = Path(__file__).parent / "templates"
STATIC: Final = Path(__file__).parent / "static"
SESSION_COOKIE: Final = "yunjin_console"
LOGIN_COOKIE: Final = "yunjin_console_login"
LANG_COOKIE: Final = "yunjin_console_lang"
PATH: Final = "/console"
MAX_FORM_BYTES: Final = 1_000_000
SESSION_MAX_AGE: Final = 12 * 3600


class FormRefused(Exception):
    """A POST refused before it reached the newsroom: bad CSRF token, bad body."""

    def __init__(self, status: int, code: str) -> None:
        self.status = status
        self.code = code
        super().__init__(code)


def csrf_token(session_token: str) -> str:
    """The form token of a session: unguessable without the (HttpOnly) session token."""
    return hmac.new(session_token.encode(), b"yunjin-console-csrf", hashlib.sha256).hexdigest()


def check_csrf(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise FormRefused(403, "console_csrf")


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the console's only kind) as one value
    per field (the last, for repeated ones)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise FormRefused(415, "console_bad_form")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise FormRefused(413, "console_form_too_large")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        raise FormRefused(400, "console_bad_form") from None
    return {name: values[-1] for name, values in fields.items()}


def language_of(request: Request) -> Language:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("zh-CN", "en"):
        return "zh-CN" if chosen == "zh-CN" else "en"
    header = request.headers.get("accept-language")
    return preferred_language(header) if header else "zh-CN"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def done_notice(page: Page, done: str) -> str:
    """What a redirect after a form says was done (``?done=approve``), if it is known."""
    key = f"done_{done}"
    return page.text(key) if key in TEXT else ""


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None) -> str:
    """Where to go after login: a console page only (no open redirect)."""
    if value and value.startswith(f"{PATH}") and not value.startswith("//") and "\\" not in value:
        return value
    return PATH


@dataclass(frozen=True, slots=True)
class Page:
    """What every page's template may use."""

    lang: Language
    timezone: str
    csrf: str = ""
    username: str = ""
    display_name: str = ""
    path: str = PATH
    admin_of: frozenset[str] = frozenset()  # the centres whose staff this person manages
    editor_of: frozenset[str] = frozenset()  # … where they review (and moderate)

    def text(self, key: str, **values: Any) -> str:
        en, zh = TEXT.get(key, (key, key))
        chosen = zh if self.lang == "zh-CN" else en
        return chosen.format(**values) if values else chosen

    def pair(self, labels: tuple[str, str]) -> str:
        return labels[1] if self.lang == "zh-CN" else labels[0]

    def both(self, names: Mapping[str, str]) -> str:
        return names.get(self.lang) or names.get("zh-CN") or names.get("en") or ""

    def role(self, role: str) -> str:
        return self.pair(ROLE_LABELS[Role(role)])

    def state(self, state: str | None) -> str:
        if state is None:
            return "—"
        try:
            return self.pair(STATE_LABELS[StoryState(state)])
        except ValueError:
            return self.text(f"rec_{state}")

    def kind(self, kind: str) -> str:
        return self.pair(KIND_LABELS[Kind(kind)])

    def local(self, moment: datetime | int | None, *, seconds: bool = False) -> str:
        if moment is None:
            return "—"
        if isinstance(moment, int):
            moment = datetime.fromtimestamp(moment, UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        shown = moment.astimezone(ZoneInfo(self.timezone))
        return shown.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")

    def body(self, html: str) -> Markup:
        """A story's body: sanitised when stored, sanitised again before it is trusted."""
        return Markup(sanitise_html(html))


_ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(page: Page, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    values = {"notice": "", "error": "", **context}
    html = _ENVIRONMENT.get_template(template).render(page=page, t=page.text, **values)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' http: https: data:; style-src 'self'; "
        "script-src 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["Referrer-Policy"] = "same-origin"
    return response


# -- requests: who is here, one transaction, refusals as pages -------------------------


@dataclass(frozen=True, slots=True)
class Visit:
    """A logged-in staff member on a page."""

    page: Page
    actor: Actor
    person: NewsroomStaff


class Rerender(Exception):
    """A form shown again with its refusal, after the transaction was rolled back."""

    def __init__(self, response: Response) -> None:
        self.response = response
        super().__init__("rerender")


Work = Callable[[Session, Visit], Response]
FormWork = Callable[[Session, Visit, dict[str, str]], Response]


def now() -> datetime:
    return datetime.now(UTC)


def here(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


def bare_page(request: Request) -> Page:
    return Page(language_of(request), runtime_of(request).settings.timezone, path=here(request))


def visit_of(request: Request, session: Session) -> Visit | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    person = accounts.session_staff(session, token, now())
    if person is None:
        return None
    actor = accounts.actor_for(session, person.id)
    page = Page(
        language_of(request),
        runtime_of(request).settings.timezone,
        csrf_token(token),
        person.username,
        person.display_name,
        here(request),
        frozenset(g.tenant.code for g in actor.grants if g.role is Role.ADMIN),
        frozenset(g.tenant.code for g in actor.grants if g.role in EDITORS),
    )
    return Visit(page, actor, person)


def refusal(page: Page, code: str, values: Mapping[str, Any], status: int) -> HTMLResponse:
    message = both(code, **values)[page.lang]
    return render(page, "error.html", status, title=page.text("refused"), error=message)


def status_of(code: str) -> int:
    return 404 if code.endswith("_not_found") else STATUS.get(code, 400)


def show(request: Request, work: Work) -> Response:
    """A page for a logged-in person (else the login page); refusals as error pages.

    A page only reads: a due scheduled story is published by the runtime's loop, not here."""
    try:
        with runtime_of(request).db.session() as session:
            visit = visit_of(request, session)
            if visit is None:
                return redirect(f"{PATH}/login?next={quote(here(request), safe='/')}")
            return work(session, visit)
    except NewsroomError as error:
        return refusal(bare_page(request), error.code, error.values, status_of(error.code))


async def posted(request: Request, work: FormWork) -> Response:
    """A form's POST: its body, its CSRF token, then the work in one transaction."""
    try:
        form = await read_form(request)
    except FormRefused as refused:
        return refusal(bare_page(request), refused.code, {}, refused.status)
    return await run_in_threadpool(_post, request, form, work)


def _post(request: Request, form: dict[str, str], work: FormWork) -> Response:
    try:
        with runtime_of(request).db.session() as session:
            visit = visit_of(request, session)
            if visit is None:  # no session, so no token either: nothing it could do
                return refusal(bare_page(request), "console_csrf", {}, 403)
            check_csrf(visit.page.csrf, form.get("csrf"))
            return work(session, visit, form)
    except FormRefused as refused:
        return refusal(bare_page(request), refused.code, {}, refused.status)
    except Rerender as again:
        return again.response
    except NewsroomError as error:
        return refusal(bare_page(request), error.code, error.values, status_of(error.code))
