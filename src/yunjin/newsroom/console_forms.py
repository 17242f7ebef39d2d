"""A story's form in the console, both ways: form fields → checked content (through
``content.check_content``, so the console accepts exactly what the API accepts), and a
stored version → the form's values. Times are entered in the operator's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from yunjin.newsroom.content import Content, Image, Kind, check_content
from yunjin.newsroom.errors import NewsroomError

# the fields each kind's form shows beyond title, summary and body
FIELDS: Final[dict[str, tuple[str, ...]]] = {
    Kind.NEWS.value: ("images", "video_asset"),
    Kind.NOTICE.value: ("issuing_body", "document_number", "valid_from", "valid_to"),
    Kind.SERVICE.value: ("category", "phone", "address", "opening_hours", "link"),
    Kind.LIVE_EVENT.value: ("channel", "source", "starts_at", "ends_at"),
}
LOCAL_INPUT: Final = "%Y-%m-%dT%H:%M"


def moment_from_form(value: str, field: str, timezone: str) -> datetime | None:
    """A ``datetime-local`` value in the operator's zone as UTC; None when left empty."""
    text = value.strip()
    if not text:
        return None
    try:
        local = datetime.strptime(text[:16], LOCAL_INPUT).replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        raise NewsroomError("newsroom_bad_detail", field=field, reason="YYYY-MM-DD HH:MM") from None
    return local.astimezone(UTC)


def local_input(moment: datetime | int | None, timezone: str) -> str:
    if moment is None:
        return ""
    if isinstance(moment, int):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime(LOCAL_INPUT)


def _images(text: str) -> tuple[Image, ...]:
    """One image a line: ``address`` or ``address | caption``."""
    found = []
    for line in text.splitlines():
        if line.strip():
            address, _, caption = line.partition("|")
            found.append(Image(address.strip(), caption.strip()))
    return tuple(found)


def _images_of(form: dict[str, str]) -> tuple[Image, ...]:
    """The lines of the images field, then the library images ticked (``pick_{id}``, their
    address the value), each address once."""
    found = list(_images(form.get("images", "")))
    known = {image.url for image in found}
    for name, value in form.items():
        if name.startswith("pick_") and value.strip() and value.strip() not in known:
            found.append(Image(value.strip()))
            known.add(value.strip())
    return tuple(found)


def content_from_form(kind: Kind, form: dict[str, str], timezone: str) -> Content:
    details: dict[str, Any] = {}
    if kind is Kind.NOTICE:
        details = {name: form.get(name, "") for name in FIELDS[kind.value]}
        details["valid_to"] = details["valid_to"] or None
    elif kind is Kind.SERVICE:
        details = {name: form.get(name, "") for name in FIELDS[kind.value]}
    elif kind is Kind.LIVE_EVENT:
        # a channel of the lineup, or a source for a temporary channel of the event's own
        details = {"channel": form.get("channel", ""), "source": form.get("source", "")}
        for name in ("starts_at", "ends_at"):
            moment = moment_from_form(form.get(name, ""), name, timezone)
            details[name] = int(moment.timestamp()) if moment else None
    video = form.get("video_asset", "").strip() if kind is Kind.NEWS else ""
    return check_content(
        kind,
        title=form.get("title", ""),
        summary=form.get("summary", ""),
        body_html=form.get("body_html", ""),
        images=_images_of(form) if kind is Kind.NEWS else (),
        video_asset=video or None,
        details=details,
    )


def form_values(version: dict[str, Any] | None, timezone: str) -> dict[str, str]:
    """A stored version (``stories.version_json``) as the form shows it; empty for a new one."""
    if version is None:
        return {}
    values = {
        "title": version["title"],
        "summary": version["summary"],
        "body_html": version["body_html"],
        "video_asset": version.get("video_asset") or "",
        "images": "\n".join(
            f"{i['url']} | {i['caption']}" if i.get("caption") else i["url"]
            for i in version.get("images") or []
        ),
    }
    for name, value in (version.get("details") or {}).items():
        if name in ("starts_at", "ends_at") and isinstance(value, int):
            values[name] = local_input(value, timezone)
        else:
            values[name] = "" if value is None else str(value)
    return values
