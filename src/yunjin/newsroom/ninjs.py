"""Stories as IPTC ninjs 2.1 (News in JSON) for syndication to other platforms (pure).

A story becomes one ninjs object: ``uri`` (the address of this very document), ``type``
(``text``, or ``composite`` with pictures or a video), the version and when it and the
first version were made, ``pubstatus`` usable, the story's ``language``, the headline,
the summary as a description, the HTML body (with the type's details before it, as in the
other feeds), the type and a service's category as ``subjects``, the centre's region as
``located``, and ``renditions`` for every picture and for the video. A government notice
names its issuing body in ``organisations`` (rel ``issuer``), its document number in
``altids`` and the end of its validity in ``expires``; a service entry is an organisation
with its ``contactinfo`` (phone, web, address). ninjs 2.x names every property, so nothing
else is added.
"""

from __future__ import annotations

from typing import Any, Final
from zoneinfo import ZoneInfo

from yunjin.newsroom.content import KIND_LABELS, Kind
from yunjin.newsroom.feed_formats import (
    SERVICE_CATEGORY_LABELS,
    absolute,
    item_html,
    media_type,
    notice_expiry,
    rfc3339,
    story_uri,
)
from yunjin.newsroom.feeds import Channel, FeedItem, Video

STANDARD: Final = {
    "name": "ninjs",
    "version": "2.1",
    "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json",
}
HLS: Final = "application/vnd.apple.mpegurl"


def render_item(base: str, channel: Channel, item: FeedItem, tz: ZoneInfo) -> dict[str, Any]:
    """One story as a ninjs object; ``channel`` gives the labels' language."""
    body = item_html(base, channel, item, tz)
    doc: dict[str, Any] = {
        "standard": dict(STANDARD),
        "uri": story_uri(base, item.id),
        "type": "composite" if item.images or item.video else "text",
        "representationtype": "full",
        "profile": f"yunjin-{item.kind.value}",
        "version": str(item.version),
        "firstcreated": rfc3339(item.created),
        "versioncreated": rfc3339(item.updated),
        "pubstatus": "usable",
        "language": item.language,
        "headlines": [{"role": "main", "contenttype": "text/plain", "value": item.title}],
        "bodies": [
            {"role": "main", "contenttype": "text/html", "charcount": len(body), "value": body}
        ],
        "subjects": _subjects(channel, item),
        "located": channel.text(item.place),
        "by": channel.text(item.source),
        "copyrightholder": channel.text(item.source),
    }
    if item.summary:
        doc["descriptions"] = [
            {"role": "summary", "contenttype": "text/plain", "value": item.summary}
        ]
    renditions = _renditions(base, item)
    if renditions:
        doc["renditions"] = renditions
    if item.kind is Kind.NOTICE:
        doc["organisations"] = [{"name": item.details["issuing_body"], "rel": "issuer"}]
        doc["altids"] = [{"role": "document-number", "value": item.details["document_number"]}]
        expires = notice_expiry(item, tz)
        if expires is not None:
            doc["expires"] = rfc3339(expires)
    elif item.kind is Kind.SERVICE:
        doc["organisations"] = [_service(item)]
    elif item.kind is Kind.LIVE_EVENT:
        doc["events"] = [
            {"name": item.title, "rel": "live", "literal": f"channel:{item.details['channel']}"}
        ]
    return doc


def render_page(base: str, self_url: str, channel: Channel, tz: ZoneInfo) -> dict[str, Any]:
    """A page's stories as ninjs objects, newest first, with what the page is."""
    return {
        "uri": self_url,
        "zone": channel.code,
        "name": {"en": channel.name[0], "zh-CN": channel.name[1]},
        "updated": rfc3339(channel.updated),
        "items": [render_item(base, channel, item, tz) for item in channel.items],
    }


def _subjects(channel: Channel, item: FeedItem) -> list[dict[str, Any]]:
    found = [
        {"name": channel.text(KIND_LABELS[item.kind]), "rel": "type", "literal": item.kind.value}
    ]
    if item.kind is Kind.SERVICE:
        category = item.details["category"]
        label = SERVICE_CATEGORY_LABELS.get(category, (category, category))
        found.append({"name": channel.text(label), "rel": "category", "literal": category})
    return found


def _renditions(base: str, item: FeedItem) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for number, image in enumerate(item.images, start=1):
        href = absolute(base, image.url)
        entry: dict[str, Any] = {
            "name": f"picture-{number}",
            "href": href,
            "contenttype": media_type(href),
        }
        if image.caption:
            entry["title"] = image.caption
        found.append(entry)
    video = item.video
    if video is not None:
        entry = {"name": "video", "contenttype": HLS, "title": video.code}
        entry.update({k: v for k, v in _shape(video).items() if v is not None})
        found.append(entry)
        if video.ready:
            found.append(
                {
                    "name": "video-poster",
                    "href": f"{base}/api/v1/vod/posters/{video.code}.jpg",
                    "contenttype": "image/jpeg",
                }
            )
    return found


def _shape(video: Video) -> dict[str, Any]:
    return {"width": video.width, "height": video.height, "duration": video.duration_s}


def _service(item: FeedItem) -> dict[str, Any]:
    details = item.details
    contact: list[dict[str, Any]] = []
    if details.get("phone"):
        contact.append({"type": "phone", "role": "office", "value": details["phone"]})
    if details.get("link"):
        contact.append({"type": "web", "value": details["link"]})
    if details.get("address"):
        contact.append({"type": "address", "address": {"lines": [details["address"]]}})
    service: dict[str, Any] = {"name": item.title, "rel": "provider"}
    if contact:
        service["contactinfo"] = contact
    return service
