"""XMLTV read as a stream of typed items, and written as a stream of bytes.

Reading uses lxml's ``iterparse`` and frees every element once read, so memory
stays flat for files of hundreds of megabytes; entities are never expanded and
nothing is fetched from the network (no XXE, no billion laughs).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timezone
from functools import lru_cache
from typing import IO, Protocol

from lxml import etree

MAX_TEXT = 4000  # longer titles and descriptions are cut, not stored whole

Texts = tuple[tuple[str, str], ...]  # (lang, text), the first is the main one
# XmltvProgramme's fields in its order, as the import carries them: channel, start, stop
# (None: not given), titles, descriptions, subtitle, categories, episode, icon
ProgrammeFields = tuple[str, int, int | None, Texts, Texts, str, tuple[str, ...], str, str]

_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?\s*([+-]\d{4}|Z|UTC|GMT)?$")


class XmltvError(ValueError):
    """The document is not XMLTV Yunjin can read; the message says where and why."""


@dataclass(frozen=True, slots=True)
class XmltvChannel:
    id: str
    names: tuple[str, ...]
    icon: str = ""


@dataclass(frozen=True, slots=True)
class XmltvProgramme:
    channel: str
    start_ms: int
    stop_ms: int | None
    titles: tuple[tuple[str, str], ...]  # (lang, text), the first is the main one
    descriptions: tuple[tuple[str, str], ...] = ()
    subtitle: str = ""
    categories: tuple[str, ...] = ()
    episode: str = ""
    icon: str = ""

    @property
    def title(self) -> str:
        return self.titles[0][1]


@dataclass
class ParseIssues:
    """Entries that were skipped and why, counted by reason."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, reason: str, example: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        self.examples.setdefault(reason, example[:200])


@lru_cache(maxsize=262_144)
def parse_time(text: str) -> int:
    """UTC milliseconds of an XMLTV time such as ``20261126203000 +0800``.

    Missing trailing fields are zero; a missing zone means UTC, as the DTD says.
    Guides repeat the same slot times across channels, so results are cached.
    """
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(f"not an XMLTV time: {text!r}")
    year, month, day, hour, minute, second, zone = match.groups()
    offset_s = 0
    if zone and zone[0] in "+-":
        hours, minutes = int(zone[1:3]), int(zone[3:5])
        if hours > 14 or minutes > 59:
            raise ValueError(f"bad time zone in {text!r}")
        offset_s = (1 if zone[0] == "+" else -1) * (hours * 3600 + minutes * 60)
    fields = (int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    if not (
        1 <= fields[1] <= 12
        and 1 <= fields[2] <= 31
        and fields[3] <= 23
        and fields[4] <= 59
        and fields[5] <= 60
    ):
        raise ValueError(f"not an XMLTV time: {text!r} (a field out of range)")
    try:
        date(fields[0], fields[1], fields[2])  # the day exists in that month
    except ValueError as error:
        raise ValueError(f"not an XMLTV time: {text!r} ({error})") from error
    return (calendar.timegm((*fields, 0, 0, 0)) - offset_s) * 1000


def format_time(ms: int, zone: timezone = UTC) -> str:
    moment = datetime.fromtimestamp(ms // 1000, zone)
    return moment.strftime("%Y%m%d%H%M%S %z")


class ByteSource(Protocol):
    """What the parser reads a document from: a binary file, or anything with its ``read``."""

    def read(self, size: int = -1, /) -> bytes: ...


def iter_xmltv(source: ByteSource, issues: ParseIssues) -> Iterator[XmltvChannel | XmltvProgramme]:
    """Channels and programmes in document order; bad entries are counted in ``issues``."""
    for item in iter_entries(source, issues):
        yield item if isinstance(item, XmltvChannel) else XmltvProgramme(*item)


def iter_entries(
    source: ByteSource, issues: ParseIssues
) -> Iterator[XmltvChannel | ProgrammeFields]:
    """``iter_xmltv`` with each programme as a plain tuple of its fields: the import's hot path."""
    parser = etree.iterparse(
        source,
        events=("end",),
        tag=("channel", "programme"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for _event, element in parser:
            try:
                if element.tag == "channel":
                    yield _channel(element)
                else:
                    yield _programme(element)
            except ValueError as error:
                issues.add(str(error).split(":")[0], str(error))
            finally:
                element.clear(keep_tail=False)
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        raise XmltvError(f"line {error.lineno}: {error.msg}") from error
    root = getattr(parser, "root", None)
    if root is not None and root.tag != "tv":
        raise XmltvError(f"the root element is <{root.tag}>, not <tv>")


def _texts(children: list[etree._Element]) -> list[tuple[str, str]]:
    found = []
    for child in children:
        text = _text(child)
        if text:
            found.append((child.get("lang", ""), text))
    return found


def _text(element: etree._Element) -> str:
    return (element.text or "").strip()[:MAX_TEXT]


def _channel(element: etree._Element) -> XmltvChannel:
    channel_id = (element.get("id") or "").strip()
    if not channel_id or len(channel_id) > 200:
        raise ValueError("channel without a usable id: " + channel_id[:80])
    icon = element.find("icon")
    names = tuple(text for _lang, text in _texts(element.findall("display-name")))
    return XmltvChannel(channel_id, names, "" if icon is None else icon.get("src", "")[:2000])


def _times(element: etree._Element) -> tuple[int, int | None]:
    """A programme's start and stop (None when it has none), in UTC milliseconds."""
    try:
        start_ms = parse_time(element.get("start") or "")
        stop_text = element.get("stop")
        return start_ms, parse_time(stop_text) if stop_text else None
    except ValueError as error:
        raise ValueError(f"bad programme time: {error}") from error


def _programme(element: etree._Element) -> ProgrammeFields:
    channel = (element.get("channel") or "").strip()
    if not channel:
        raise ValueError("programme without a channel")
    start_ms, stop_ms = _times(element)
    # one pass over the children, texts read once: this runs for every programme of the guide
    titles: list[tuple[str, str]] = []
    descriptions: list[tuple[str, str]] = []
    categories: list[str] = []
    subtitle = ""
    episode: str | None = None
    icon: str | None = None
    for child in element:
        tag = child.tag
        if tag == "title" or tag == "desc":
            text = child.text
            if text and (text := text.strip()):
                pair = (child.get("lang", ""), text[:MAX_TEXT])
                (titles if tag == "title" else descriptions).append(pair)
        elif tag == "category":
            text = child.text
            if text and (text := text.strip()):
                categories.append(text[:MAX_TEXT])
        elif tag == "sub-title":
            subtitle = subtitle or _text(child)
        elif tag == "episode-num" and episode is None:
            episode = (child.text or "").strip()[:200]
        elif tag == "icon" and icon is None:
            icon = child.get("src", "")[:2000]
    if not titles:
        raise ValueError(f"programme without a title: {channel} {element.get('start')}")
    if stop_ms is not None and stop_ms <= start_ms:
        raise ValueError(f"programme ending before it starts: {channel} {titles[0][1]}")
    return (
        channel,
        start_ms,
        stop_ms,
        tuple(titles),
        tuple(descriptions),
        subtitle,
        tuple(categories),
        episode or "",
        icon or "",
    )


def write_xmltv(
    out: IO[bytes],
    channels: Iterable[XmltvChannel],
    programmes: Iterable[XmltvProgramme],
    *,
    catchup_ids: bool = False,
    generator: str = "Yunjin",
) -> None:
    """Write an XMLTV document, valid against the XMLTV DTD unless ``catchup_ids``.

    ``catchup_ids`` adds Kodi's ``catchup-id`` attribute (``{utc}-{duration}``,
    so ``archive-{catchup-id}.m3u8`` names the programme's window); the DTD
    does not declare it.
    """
    with etree.xmlfile(out, encoding="utf-8") as document:
        document.write_declaration()
        document.write_doctype('<!DOCTYPE tv SYSTEM "xmltv.dtd">')
        with document.element("tv", {"generator-info-name": generator}):
            for channel in channels:
                element = etree.Element("channel", id=channel.id)
                for name in channel.names:
                    etree.SubElement(element, "display-name").text = name
                if channel.icon:
                    etree.SubElement(element, "icon", src=channel.icon)
                document.write(element)
            for programme in programmes:
                document.write(_programme_element(programme, catchup_ids))


def _programme_element(programme: XmltvProgramme, catchup_id: bool) -> etree._Element:
    attributes = {"start": format_time(programme.start_ms), "channel": programme.channel}
    if programme.stop_ms is not None:
        attributes["stop"] = format_time(programme.stop_ms)
        if catchup_id:
            duration_s = (programme.stop_ms - programme.start_ms) // 1000
            attributes["catchup-id"] = f"{programme.start_ms // 1000}-{duration_s}"
    element = etree.Element("programme", attributes)
    for lang, text in programme.titles:
        etree.SubElement(element, "title", {"lang": lang} if lang else {}).text = text
    if programme.subtitle:
        etree.SubElement(element, "sub-title").text = programme.subtitle
    for lang, text in programme.descriptions:
        etree.SubElement(element, "desc", {"lang": lang} if lang else {}).text = text
    for category in programme.categories:
        etree.SubElement(element, "category").text = category
    if programme.icon:
        etree.SubElement(element, "icon", src=programme.icon)
    if programme.episode:
        etree.SubElement(element, "episode-num", system="onscreen").text = programme.episode
    return element
