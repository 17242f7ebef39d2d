"""A guide programme as it travels from the parser, and as it is stored: plain tuples.

An import handles close to a million programmes, so between the parser and the database
driver a programme is a tuple, never an object: ``ProgrammeFields`` are the parser's
``XmltvProgramme`` in its field order, ``StoredRow`` is one row of ``programmes``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Final

from yunjin.epg.normalise import fold
from yunjin.epg.xmltv import XmltvProgramme

Texts = tuple[tuple[str, str], ...]  # (lang, text), the first is the main one
# channel, start, stop (None: not given), titles, descriptions, subtitle, categories,
# episode, icon
ProgrammeFields = tuple[str, int, int | None, Texts, Texts, str, tuple[str, ...], str, str]
CHANNEL: Final = 0
START: Final = 1
STOP: Final = 2

PROGRAMME_COLUMNS = (
    "channel_id",
    "start_ms",
    "stop_ms",
    "title",
    "title_folded",
    "subtitle",
    "description",
    "category",
    "episode",
    "icon",
    "titles",
    "descriptions",
)
StoredRow = tuple[str, int, int, str, str, str, str, str, str, str, str, str]


def programme_fields(item: XmltvProgramme) -> ProgrammeFields:
    return (
        item.channel,
        item.start_ms,
        item.stop_ms,
        item.titles,
        item.descriptions,
        item.subtitle,
        item.categories,
        item.episode,
        item.icon,
    )


def stored_row(channel_id: str, stop_ms: int, fields: ProgrammeFields) -> StoredRow:
    """The row of ``programmes`` for a programme of our channel, its stop repaired."""
    _channel, start_ms, _stop, titles, descriptions, subtitle, categories, episode, icon = fields
    titles_json, folded = _titles(titles)
    return (
        channel_id,
        start_ms,
        stop_ms,
        titles[0][1],
        folded,
        subtitle,
        descriptions[0][1] if descriptions else "",
        ", ".join(categories),
        episode,
        icon,
        titles_json,
        languages_json(descriptions),
    )


# Guides repeat the same titles across days and channels.
@lru_cache(maxsize=65_536)
def _titles(titles: Texts) -> tuple[str, str]:
    """The titles as stored JSON, and their folded form for search."""
    return languages_json(titles), " ".join(fold(text) for _lang, text in titles)


def languages_json(pairs: Texts) -> str:
    """``{"zh": "…", "en": "…"}``, exactly as ``json.dumps(dict(pairs), ensure_ascii=False)``."""
    if len(pairs) == 1:  # most descriptions: skip building a dict for one key
        (lang, text) = pairs[0]
        return f"{{{encode_basestring(lang)}: {encode_basestring(text)}}}"
    return json.dumps(dict(pairs), ensure_ascii=False)
