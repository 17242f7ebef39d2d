"""What a story says, by type, checked and sanitised (pure).

Every type has a title, a summary and an HTML body; news adds images and a video asset
(a VOD asset code); a government notice its issuing body, document number and validity;
a service entry its category and how to reach it; a live event a window and either a
channel of the lineup or a source for a temporary channel of its own (ADR 0025).
Body HTML passes through nh3 (Ammonia) with a short allow-list: no script, no event
handler, no ``javascript:`` reaches a portal. Plain-text fields refuse ``<`` and ``>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Final

import nh3

from yunjin.live.sources import SourceError, SourceKind, parse_source, redact_source
from yunjin.newsroom.errors import NewsroomError

MAX_TITLE: Final = 200
MAX_SUMMARY: Final = 1000
MAX_BODY: Final = 200_000
MAX_FIELD: Final = 300
MAX_IMAGES: Final = 30
MAX_SOURCE: Final = 2000
# what a live event may record from: network sources and generated test pictures; never a
# file on the server (a newsroom writer is not the operator)
EVENT_SOURCES: Final = frozenset(
    {SourceKind.UDP, SourceKind.SRT, SourceKind.RTMP, SourceKind.HLS, SourceKind.TESTSRC}
)
ASSET_CODE: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,15}$")
TVG_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PHONE: Final = re.compile(r"^[0-9+()\- ]{3,32}$")
TAGS: Final = frozenset(
    {
        "p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "h2", "h3", "h4",
        "blockquote", "ul", "ol", "li", "a", "img", "figure", "figcaption", "hr",
        "table", "thead", "tbody", "tr", "th", "td", "span",
    }
)  # fmt: skip
ATTRIBUTES: Final = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES: Final = frozenset({"http", "https", "mailto", "tel"})


class Kind(StrEnum):
    NEWS = "news"  # 新闻
    NOTICE = "notice"  # 政务公告
    SERVICE = "service"  # 便民服务
    LIVE_EVENT = "live_event"  # 直播活动


KIND_LABELS: Final[dict[Kind, tuple[str, str]]] = {
    Kind.NEWS: ("News", "新闻"),
    Kind.NOTICE: ("Government notice", "政务公告"),
    Kind.SERVICE: ("Public service", "便民服务"),
    Kind.LIVE_EVENT: ("Live event", "直播活动"),
}


class ServiceCategory(StrEnum):
    MEDICAL = "medical"  # 医疗
    TRANSPORT = "transport"  # 交通
    UTILITIES = "utilities"  # 水电气
    EDUCATION = "education"  # 教育
    ELDERLY_CARE = "elderly_care"  # 养老
    SOCIAL_SECURITY = "social_security"  # 社保
    EMPLOYMENT = "employment"  # 就业
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Notice:
    issuing_body: str  # 发文机关
    document_number: str  # 文号, e.g. 川府发〔2026〕12号
    valid_from: date
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class Service:
    category: ServiceCategory
    phone: str = ""
    address: str = ""
    opening_hours: str = ""
    link: str = ""


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """A live event on a channel of the lineup (``channel``, its tvg-id), or on a temporary
    channel of its own recorded from ``source`` (``channel`` empty: the channel is the
    story's, ``event-{story}``, made when the story is published)."""

    channel: str
    starts_at: datetime
    ends_at: datetime
    source: str = ""


Details = Notice | Service | LiveEvent
_DETAILS: Final[dict[Kind, type[Notice] | type[Service] | type[LiveEvent]]] = {
    Kind.NOTICE: Notice,
    Kind.SERVICE: Service,
    Kind.LIVE_EVENT: LiveEvent,
}


@dataclass(frozen=True, slots=True)
class Content:
    """One version's content, already checked and sanitised."""

    kind: Kind
    title: str
    summary: str = ""
    body_html: str = ""
    images: tuple[Image, ...] = ()
    video_asset: str | None = None
    details: Details | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "summary": self.summary,
            "body_html": self.body_html,
            "images": [{"url": i.url, "caption": i.caption} for i in self.images],
            "video_asset": self.video_asset,
            "details": details_json(self.details),
        }


def sanitise_html(html: str) -> str:
    """Body HTML with only the allowed tags, attributes and URL schemes left."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain(value: str, field: str, limit: int, *, required: bool = False) -> str:
    """A plain-text field trimmed, with no markup, within ``limit``."""
    text = " ".join(value.split()) if "\n" not in value else value.strip()
    if required and not text:
        raise NewsroomError("newsroom_title_empty")
    if len(text) > limit:
        raise NewsroomError("newsroom_text_too_long", field=field, limit=limit)
    if "<" in text or ">" in text:
        raise NewsroomError("newsroom_plain_text_markup", field=field)
    return "".join(c for c in text if c in "\n\t" or c.isprintable())


def url(value: str, field: str, *, absolute: bool = False) -> str:
    text = value.strip()
    if text.startswith(("https://", "http://")) or (
        not absolute and text.startswith("/") and not text.startswith("//")
    ):
        if any(c in text for c in "<>\"' \n"):
            raise NewsroomError("newsroom_bad_url", field=field, url=text[:80])
        return text
    raise NewsroomError("newsroom_bad_url", field=field, url=text[:80])


def parse_kind(value: str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise NewsroomError("newsroom_bad_kind", kind=value) from None


def check_content(
    kind: Kind,
    title: str,
    summary: str = "",
    body_html: str = "",
    images: tuple[Image, ...] = (),
    video_asset: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> Content:
    """The content with its texts trimmed and its body sanitised, or a NewsroomError."""
    if len(body_html) > MAX_BODY:
        raise NewsroomError("newsroom_text_too_long", field="body_html", limit=MAX_BODY)
    if len(images) > MAX_IMAGES:
        raise NewsroomError("newsroom_too_many_images", limit=MAX_IMAGES)
    if video_asset is not None:
        if kind is not Kind.NEWS:
            raise NewsroomError("newsroom_video_not_allowed")
        if not ASSET_CODE.match(video_asset):
            raise NewsroomError("newsroom_bad_asset_code", value=video_asset[:40])
    return Content(
        kind=kind,
        title=plain(title, "title", MAX_TITLE, required=True),
        summary=plain(summary, "summary", MAX_SUMMARY),
        body_html=sanitise_html(body_html),
        images=tuple(
            Image(url(i.url, "images"), plain(i.caption, "images.caption", MAX_FIELD))
            for i in images
        ),
        video_asset=video_asset,
        details=parse_details(kind, details or {}),
    )


def parse_details(kind: Kind, raw: Mapping[str, Any]) -> Details | None:
    """The typed details of ``kind`` from JSON-like ``raw`` (news has none)."""
    shape = _DETAILS.get(kind)
    known = {f.name for f in fields(shape)} if shape else set()
    for name in raw:
        if name not in known:
            raise NewsroomError("newsroom_detail_unknown", kind=kind.value, field=name)
    if kind is Kind.NOTICE:
        valid_from = _date(_required(kind, raw, "valid_from"), "valid_from")
        valid_to = None if raw.get("valid_to") in (None, "") else _date(raw["valid_to"], "valid_to")
        if valid_to is not None and valid_to < valid_from:
            raise NewsroomError("newsroom_bad_window", field="valid_from/valid_to")
        return Notice(
            issuing_body=_text(kind, raw, "issuing_body", required=True),
            document_number=_text(kind, raw, "document_number", required=True),
            valid_from=valid_from,
            valid_to=valid_to,
        )
    if kind is Kind.SERVICE:
        category = _required(kind, raw, "category")
        try:
            parsed = ServiceCategory(category)
        except ValueError:
            choices = ", ".join(c.value for c in ServiceCategory)
            raise NewsroomError(
                "newsroom_bad_category", category=str(category)[:40], choices=choices
            ) from None
        phone = _text(kind, raw, "phone")
        if phone and not PHONE.match(phone):
            raise NewsroomError("newsroom_bad_detail", field="phone", reason="digits, +, -, ()")
        link = _text(kind, raw, "link")
        return Service(
            category=parsed,
            phone=phone,
            address=_text(kind, raw, "address"),
            opening_hours=_text(kind, raw, "opening_hours"),
            link=url(link, "link", absolute=True) if link else "",
        )
    if kind is Kind.LIVE_EVENT:
        channel = _text(kind, raw, "channel")
        source = event_source(raw.get("source"))
        if bool(channel) == bool(source):
            raise NewsroomError("newsroom_event_channel_or_source")
        if channel and not TVG_ID.match(channel):
            raise NewsroomError("newsroom_bad_detail", field="channel", reason="not a tvg-id")
        starts = _moment(_required(kind, raw, "starts_at"), "starts_at")
        ends = _moment(_required(kind, raw, "ends_at"), "ends_at")
        if ends <= starts:
            raise NewsroomError("newsroom_bad_window", field="starts_at/ends_at")
        return LiveEvent(channel=channel, starts_at=starts, ends_at=ends, source=source)
    return None


def event_source(value: Any) -> str:
    """A live event's source checked by the live plane's own parser ("" when none): a
    network stream or ``testsrc:``, never a file of the server."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise NewsroomError("newsroom_bad_detail", field="source", reason="text expected")
    text = value.strip()
    shown = redact_source(text)[:80]  # an error may be logged: never with its credentials
    if len(text) > MAX_SOURCE or any(c.isspace() or not c.isprintable() for c in text):
        raise NewsroomError("newsroom_bad_source", source=shown, reason="spaces or too long")
    try:
        kind = parse_source(text).kind
    except SourceError as error:
        raise NewsroomError("newsroom_bad_source", source=shown, reason=str(error)) from None
    if kind not in EVENT_SOURCES:
        raise NewsroomError("newsroom_bad_source", source=shown, reason="a file of the server")
    return text


def details_json(details: Details | None) -> dict[str, Any]:
    """Details as stored and shown: dates ISO 8601, moments UTC seconds."""
    if isinstance(details, Notice):
        return {
            "issuing_body": details.issuing_body,
            "document_number": details.document_number,
            "valid_from": details.valid_from.isoformat(),
            "valid_to": details.valid_to.isoformat() if details.valid_to else None,
        }
    if isinstance(details, Service):
        return {
            "category": details.category.value,
            "phone": details.phone,
            "address": details.address,
            "opening_hours": details.opening_hours,
            "link": details.link,
        }
    if isinstance(details, LiveEvent):
        shown: dict[str, Any] = {
            "channel": details.channel,
            "starts_at": int(details.starts_at.timestamp()),
            "ends_at": int(details.ends_at.timestamp()),
        }
        return {**shown, "source": details.source} if details.source else shown
    return {}


def from_json(data: Mapping[str, Any]) -> Content:
    """A stored version's content back (it was checked when stored)."""
    kind = Kind(data["kind"])
    return Content(
        kind=kind,
        title=data["title"],
        summary=data.get("summary", ""),
        body_html=data.get("body_html", ""),
        images=tuple(Image(i["url"], i.get("caption", "")) for i in data.get("images", [])),
        video_asset=data.get("video_asset"),
        details=parse_details(kind, data.get("details") or {}),
    )


def changes(before: Content | None, after: Content) -> dict[str, Any]:
    """A short summary of what changed between two versions, for the audit trail."""
    old = before.as_json() if before else {}
    new = after.as_json()
    summary: dict[str, Any] = {}
    for name, value in new.items():
        previous = old.get(name)
        if previous == value:
            continue
        if name == "body_html":
            summary[name] = {"from_chars": len(previous or ""), "to_chars": len(value)}
        elif name == "images":
            summary[name] = {"from": len(previous or []), "to": len(value)}
        elif name == "details":
            summary[name] = {
                key: {"from": (previous or {}).get(key), "to": value.get(key)}
                for key in sorted(set(value) | set(previous or {}))
                if (previous or {}).get(key) != value.get(key)
            }
        else:
            summary[name] = {"from": _short(previous), "to": _short(value)}
    return summary


def _short(value: Any) -> Any:
    return value[:120] + "…" if isinstance(value, str) and len(value) > 120 else value


def _required(kind: Kind, raw: Mapping[str, Any], name: str) -> Any:
    value = raw.get(name)
    if value is None or value == "":
        raise NewsroomError("newsroom_detail_missing", kind=kind.value, field=name)
    return value


def _text(kind: Kind, raw: Mapping[str, Any], name: str, *, required: bool = False) -> str:
    value = _required(kind, raw, name) if required else raw.get(name) or ""
    if not isinstance(value, str):
        raise NewsroomError("newsroom_bad_detail", field=name, reason="text expected")
    text = plain(value, name, MAX_FIELD)
    if required and not text:
        raise NewsroomError("newsroom_detail_missing", kind=kind.value, field=name)
    return text


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise NewsroomError("newsroom_bad_detail", field=name, reason="use YYYY-MM-DD") from None


def _moment(value: Any, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**33:
        raise NewsroomError("newsroom_bad_detail", field=name, reason="UTC seconds expected")
    return datetime.fromtimestamp(value, UTC)
