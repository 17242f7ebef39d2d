"""A guide programme as it travels from the parser to the database: plain tuples and columns.

An import handles close to a million programmes, so between the parser and the database
driver a programme is never an object: ``ProgrammeFields`` are the parser's
``XmltvProgramme`` in its field order; ``stored_texts`` turns them into the text columns of
``programmes`` (in the parsing process), and ``ProgrammeBatch`` carries a batch of
programmes as columns to the importing process, which adds the channel and the repaired stop.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring

from yunjin.epg.xmltv import ProgrammeFields, Texts
from yunjin.folding import fold

__all__ = ["ProgrammeFields", "Texts"]

TEXT_COLUMNS = (
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
PROGRAMME_COLUMNS = ("channel_id", "start_ms", "stop_ms", *TEXT_COLUMNS)
# start, stop (None: not given), then the TEXT_COLUMNS: a programme less its channel
StoredValues = tuple[int, int | None, str, str, str, str, str, str, str, str, str]


@dataclass(frozen=True, slots=True)
class ProgrammeBatch:
    """Programmes in document order, column by column; ``runs`` says whose they are."""

    runs: Sequence[tuple[str, int]]  # (the guide's channel id, how many programmes), in order
    starts: Sequence[int]
    stops: Sequence[int | None]  # None: not given
    texts: Sequence[Sequence[str]]  # one column per TEXT_COLUMNS

    def __len__(self) -> int:
        return len(self.starts)

    def without_first(self, count: int) -> ProgrammeBatch:
        """The batch less its first ``count`` programmes."""
        runs: list[tuple[str, int]] = []
        skip = count
        for channel, size in self.runs:
            if skip >= size:
                skip -= size
                continue
            runs.append((channel, size - skip))
            skip = 0
        return ProgrammeBatch(
            runs,
            self.starts[count:],
            self.stops[count:],
            [column[count:] for column in self.texts],
        )


def stored_values(fields: ProgrammeFields) -> StoredValues:
    """A programme's start, stop and text columns as ``programmes`` stores them."""
    _channel, start, stop, titles, descriptions, subtitle, categories, episode, icon = fields
    titles_json, folded = _titles(titles)
    return (
        start,
        stop,
        titles[0][1],
        folded,
        subtitle,
        descriptions[0][1] if descriptions else "",
        ", ".join(categories),
        episode,
        icon,
        titles_json,
        languages_json(descriptions) if descriptions else "{}",
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
