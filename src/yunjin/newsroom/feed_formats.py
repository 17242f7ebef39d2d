"""RSS 2.0 and Atom (with feedgen) and JSON Feed 1.1 from a :class:`feeds.Channel` (pure).

Every format carries the same things: a stable id per story (the address of its ninjs
document), a link to the story on the phone portal, the first publication and the time
the shown version went live, the story's language, its type as a category, and an HTML
content made of the type's details (a notice's issuing body and document number, a
service's category and contact, a live event's channel and window), the body and the
images. Labels follow the language the reader asked for. The content is built from
values that were checked when stored, escaped, and cleaned once more with the body's own
allow-list, relative addresses made absolute so that a feed reader can follow them.
"""

from __future__ import annotations

import html
import json
import mimetypes
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import nh3
from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator

from yunjin import __version__
from yunjin.newsroom.content import ATTRIBUTES, KIND_LABELS, TAGS, URL_SCHEMES, Kind
from yunjin.newsroom.feeds import Channel, FeedItem
from yunjin.newsroom.syndication import PAGE_LABELS

JSON_FEED_VERSION: Final = "https://jsonfeed.org/version/1.1"
XML_LANG: Final = "{http://www.w3.org/XML/1998/namespace}lang"
DESCRIPTION: Final = ("News, government affairs and public services", "新闻、政务与便民服务")
SERVICE_CATEGORY_LABELS: Final[dict[str, tuple[str, str]]] = {
    "medical": ("Medical care", "医疗"),
    "transport": ("Transport", "交通"),
    "utilities": ("Water, power and gas", "水电气"),
    "education": ("Education", "教育"),
    "elderly_care": ("Elderly care", "养老"),
    "social_security": ("Social security", "社保"),
    "employment": ("Employment", "就业"),
    "other": ("Other", "其他"),
}
FIELD_LABELS: Final[dict[str, tuple[str, str]]] = {
    "issuing_body": ("Issued by", "发文机关"),
    "document_number": ("Document number", "文号"),
    "validity": ("Valid", "有效期"),
    "category": ("Category", "类别"),
    "phone": ("Phone", "电话"),
    "address": ("Address", "地址"),
    "opening_hours": ("Opening hours", "办理时间"),
    "link": ("Online", "网上办理"),
    "channel": ("Channel", "频道"),
    "window": ("On air", "直播时间"),
    "until": ("until further notice", "长期有效"),
    "video": ("Watch the video", "观看视频"),
}


# -- addresses -------------------------------------------------------------------------


def story_uri(base: str, story_id: int) -> str:
    """A story's id in every format: the address of its ninjs document."""
    return f"{base}/feeds/stories/{story_id}.ninjs.json"


def story_link(base: str, item: FeedItem) -> str:
    """Where a reader opens the story: the phone portal's story page."""
    return f"{base}/m#story={item.tenant}/{item.id}"


def page_link(base: str, code: str) -> str:
    return f"{base}/m#zone={code}"


def absolute(base: str, url: str) -> str:
    return base + url if url.startswith("/") and not url.startswith("//") else url


def media_type(url: str, default: str = "image/jpeg") -> str:
    guessed, _ = mimetypes.guess_type(url.split("?", 1)[0])
    return guessed or default


def rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# -- content ---------------------------------------------------------------------------


def item_html(base: str, channel: Channel, item: FeedItem, tz: ZoneInfo) -> str:
    """The item's content: its type's details, the body, the images, a link to the video."""
    parts = [_details_html(channel, item, tz), item.body_html]
    for image in item.images:
        src = html.escape(absolute(base, image.url), quote=True)
        caption = html.escape(image.caption)
        figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
        parts.append(f'<figure><img src="{src}" alt="{caption}">{figcaption}</figure>')
    if item.video is not None:
        link = html.escape(story_link(base, item), quote=True)
        parts.append(f'<p><a href="{link}">{channel.text(FIELD_LABELS["video"])}</a></p>')
    return clean_html(base, "".join(parts))


def clean_html(base: str, fragment: str) -> str:
    """The body's allow-list once more, with relative addresses made absolute."""

    def rebase(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("src", "href"):
            return absolute(base, value)
        return value

    return nh3.clean(
        fragment,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=rebase,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _details_html(channel: Channel, item: FeedItem, tz: ZoneInfo) -> str:
    rows = [
        (channel.text(FIELD_LABELS[name]), value) for name, value in detail_rows(channel, item, tz)
    ]
    if not rows:
        return ""
    colon = "：" if channel.lang == "zh-CN" else ": "
    lines = []
    for name, value in rows:
        shown = html.escape(value)
        if value.startswith(("http://", "https://")):
            shown = f'<a href="{html.escape(value, quote=True)}">{shown}</a>'
        lines.append(f"<li><strong>{html.escape(name)}</strong>{colon}{shown}</li>")
    return "<ul>" + "".join(lines) + "</ul>"


def detail_rows(channel: Channel, item: FeedItem, tz: ZoneInfo) -> list[tuple[str, str]]:
    """The type's details as (field, text) in the reader's language, empty ones left out."""
    d = item.details
    if item.kind is Kind.NOTICE:
        until = d.get("valid_to") or channel.text(FIELD_LABELS["until"])
        return [
            ("issuing_body", d["issuing_body"]),
            ("document_number", d["document_number"]),
            ("validity", f"{d['valid_from']} – {until}"),
        ]
    if item.kind is Kind.SERVICE:
        category = channel.text(SERVICE_CATEGORY_LABELS.get(d["category"], (d["category"],) * 2))
        rows = [("category", category)]
        rows += [(n, d[n]) for n in ("phone", "address", "opening_hours", "link") if d.get(n)]
        return rows
    if item.kind is Kind.LIVE_EVENT:
        starts = datetime.fromtimestamp(d["starts_at"], tz).strftime("%Y-%m-%d %H:%M")
        ends = datetime.fromtimestamp(d["ends_at"], tz).strftime("%Y-%m-%d %H:%M")
        return [("channel", d["channel"]), ("window", f"{starts} – {ends} ({tz.key})")]
    return []


def categories(channel: Channel, item: FeedItem) -> list[tuple[str, str]]:
    """(term, label): the story's type, and a service's category."""
    found = [(item.kind.value, channel.text(KIND_LABELS[item.kind]))]
    category = item.details.get("category") if item.kind is Kind.SERVICE else None
    if category:
        label = SERVICE_CATEGORY_LABELS.get(category, (category, category))
        found.append((f"service:{category}", channel.text(label)))
    return found


def feed_title(channel: Channel) -> str:
    return f"{channel.text(channel.name)} · {channel.text(PAGE_LABELS[channel.page])}"


def notice_expiry(item: FeedItem, tz: ZoneInfo) -> datetime | None:
    """A notice's end of validity: the end of its last valid day."""
    valid_to = item.details.get("valid_to") if item.kind is Kind.NOTICE else None
    if not valid_to:
        return None
    day = date.fromisoformat(valid_to) + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=tz)


# -- RSS and Atom ----------------------------------------------------------------------


class _EntryLanguage(BaseEntryExtension):  # type: ignore[misc]
    """``xml:lang`` on an Atom entry: the story's own language."""

    def __init__(self) -> None:
        self.language = ""

    def extend_atom(self, entry: Any) -> Any:
        if self.language:
            entry.set(XML_LANG, self.language)
        return entry


def render_rss(base: str, self_url: str, channel: Channel, tz: ZoneInfo) -> bytes:
    result: bytes = _generator(base, self_url, channel, tz, atom=False).rss_str(pretty=False)
    return result


def render_atom(base: str, self_url: str, channel: Channel, tz: ZoneInfo) -> bytes:
    result: bytes = _generator(base, self_url, channel, tz, atom=True).atom_str(pretty=False)
    return result


def _generator(base: str, self_url: str, channel: Channel, tz: ZoneInfo, *, atom: bool) -> Any:
    feed = FeedGenerator()
    feed.load_extension("dc")
    feed.id(self_url)
    feed.title(feed_title(channel))
    feed.subtitle(channel.text(DESCRIPTION))  # RSS: the channel's description
    feed.link(href=self_url, rel="self")
    feed.link(href=page_link(base, channel.code), rel="alternate", type="text/html")  # RSS: last
    feed.language(channel.lang)
    feed.author({"name": channel.text(channel.name)})
    feed.generator("Yunjin 云锦", __version__)
    feed.updated(channel.updated)
    feed.lastBuildDate(channel.updated)  # not "now": the bytes, and so the ETag, stay put
    for item in channel.items:
        entry = feed.add_entry(order="append")
        entry.register_extension("yunjin_language", _EntryLanguage, atom=True, rss=False)
        entry.yunjin_language.language = item.language
        entry.dc.dc_language(item.language)
        uri = story_uri(base, item.id)
        entry.id(uri)
        entry.guid(uri, permalink=False)
        entry.title(item.title)
        entry.link(href=story_link(base, item), rel="alternate", type="text/html")
        entry.published(item.published)
        entry.updated(item.updated)
        entry.author({"name": channel.text(item.source)})
        for term, label in categories(channel, item):
            entry.category(term=term, label=label)
        content = item_html(base, channel, item, tz)
        if atom:
            entry.summary(item.summary or item.title)
            entry.content(content, type="html")
        else:
            entry.description(item.summary or item.title)
            entry.content(content, type="CDATA")
            entry.dc.dc_date(rfc3339(item.updated))  # RSS has no "updated": Dublin Core's
            if item.images:
                url = absolute(base, item.images[0].url)
                entry.enclosure(url, "0", media_type(url))
    return feed


# -- JSON Feed 1.1 ---------------------------------------------------------------------


def render_json_feed(base: str, self_url: str, channel: Channel, tz: ZoneInfo) -> bytes:
    feed = {
        "version": JSON_FEED_VERSION,
        "title": feed_title(channel),
        "home_page_url": page_link(base, channel.code),
        "feed_url": self_url,
        "description": channel.text(DESCRIPTION),
        "language": channel.lang,
        "authors": [{"name": channel.text(channel.name)}],
        "items": [_json_item(base, channel, item, tz) for item in channel.items],
    }
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode()


def _json_item(base: str, channel: Channel, item: FeedItem, tz: ZoneInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": story_uri(base, item.id),
        "url": story_link(base, item),
        "title": item.title,
        "content_html": item_html(base, channel, item, tz),
        "date_published": rfc3339(item.published),
        "date_modified": rfc3339(item.updated),
        "language": item.language,
        "authors": [{"name": channel.text(item.source)}],
        "tags": [label for _, label in categories(channel, item)],
    }
    if item.summary:
        entry["summary"] = item.summary
    if item.images:
        entry["image"] = absolute(base, item.images[0].url)
        entry["attachments"] = [
            {
                "url": absolute(base, i.url),
                "mime_type": media_type(i.url),
                **({"title": i.caption} if i.caption else {}),
            }
            for i in item.images
        ]
    entry["_yunjin"] = {  # JSON Feed's extension point: the typed details as stored
        "kind": item.kind.value,
        "centre": item.tenant,
        "version": item.version,
        "details": item.details,
        "video_asset": item.video.code if item.video else None,
    }
    return entry
