"""Actions on the VOD catalog: categories, titles, seasons and episodes; reading and searching.

Titles, categories and seasons are named by stable codes and numbers (``title code``,
season 2, episode 5), never by database ids. Every refusal is a :class:`CatalogError` whose
``code`` names a bilingual message in :mod:`yunjin.i18n`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, case, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from yunjin.db.models import (
    VodCategory,
    VodEpisode,
    VodSeason,
    VodTitle,
    VodTitleCategory,
    VodTitleKey,
)
from yunjin.i18n import Refusal
from yunjin.vod.offer import on_offer
from yunjin.vod.search import SearchKeys, parse_query, search_keys

CODE: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
FIRST_YEAR: Final = 1888  # the oldest surviving film
LAST_YEAR: Final = 2100
MAX_AGE: Final = 21
MAX_TITLE: Final = 300
MAX_NUMBER: Final = 9999
SEARCH_LIMIT: Final = 500
_LAST_CHARACTER: Final = "\U0010ffff"  # sorts after every character, byte-wise and by code point


class TitleKind(StrEnum):
    MOVIE = "movie"
    SERIES = "series"


class CatalogError(Refusal, ValueError):
    """A catalog change or lookup refused; ``code`` names the message, ``values`` fill it."""


@dataclass(frozen=True, slots=True)
class TitleDraft:
    """What an operator enters for a title; checked by :func:`check_title`."""

    code: str
    kind: TitleKind
    title_zh: str
    title_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    year: int | None = None
    age_rating: int = 0
    cast: tuple[str, ...] = ()
    poster_url: str = ""
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchHit:
    code: str
    kind: TitleKind
    title_zh: str
    title_en: str
    year: int | None
    poster_url: str
    rank: int  # 0 exact, 1 prefix, 2 substring


@dataclass(frozen=True, slots=True)
class EpisodeView:
    number: int
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    duration_s: int | None


@dataclass(frozen=True, slots=True)
class SeasonView:
    number: int
    title_zh: str
    title_en: str
    year: int | None
    episodes: tuple[EpisodeView, ...]


@dataclass(frozen=True, slots=True)
class TitleView:
    code: str
    kind: TitleKind
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    year: int | None
    age_rating: int
    cast: tuple[str, ...]
    poster_url: str
    categories: tuple[str, ...]
    seasons: tuple[SeasonView, ...] = field(default=())


# -- checks (pure) ---------------------------------------------------------------------


def check_code(code: str) -> str:
    if not CODE.match(code):
        raise CatalogError("vod_bad_code", value=code)
    return code


def check_name(text: str, empty_code: str) -> str:
    """A required name, trimmed; empty or whitespace-only is refused with ``empty_code``."""
    name = text.strip()
    if not name:
        raise CatalogError(empty_code)
    if len(name) > MAX_TITLE:
        raise CatalogError("vod_name_too_long", name=name[:20] + "…", limit=MAX_TITLE)
    return name


def check_optional_name(text: str) -> str:
    """An optional name (the English one, a season's), trimmed; too long is refused."""
    name = text.strip()
    if len(name) > MAX_TITLE:
        raise CatalogError("vod_name_too_long", name=name[:20] + "…", limit=MAX_TITLE)
    return name


def check_year(year: int | None) -> int | None:
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise CatalogError("vod_bad_year", year=year, first=FIRST_YEAR, last=LAST_YEAR)
    return year


def check_number(number: int, bad_code: str) -> int:
    if not 1 <= number <= MAX_NUMBER:
        raise CatalogError(bad_code, number=number, limit=MAX_NUMBER)
    return number


def check_title(draft: TitleDraft) -> TitleDraft:
    """The draft with its texts trimmed, or a CatalogError naming what is wrong."""
    check_code(draft.code)
    if draft.kind not in tuple(TitleKind):
        raise CatalogError("vod_bad_kind", kind=draft.kind)
    if not 0 <= draft.age_rating <= MAX_AGE:
        raise CatalogError("vod_bad_age_rating", age=draft.age_rating, limit=MAX_AGE)
    poster = draft.poster_url.strip()
    if poster and not poster.startswith(("https://", "http://", "/")):
        raise CatalogError("vod_bad_poster", url=poster)
    cast = tuple(name.strip() for name in draft.cast if name.strip())
    if len(set(draft.categories)) != len(draft.categories):
        raise CatalogError("vod_duplicate_category", title=draft.code)
    return TitleDraft(
        code=draft.code,
        kind=TitleKind(draft.kind),
        title_zh=check_name(draft.title_zh, "vod_title_empty"),
        title_en=check_optional_name(draft.title_en),
        description_zh=draft.description_zh.strip(),
        description_en=draft.description_en.strip(),
        year=check_year(draft.year),
        age_rating=draft.age_rating,
        cast=tuple(dict.fromkeys(cast)),
        poster_url=poster,
        categories=draft.categories,
    )


# -- actions ---------------------------------------------------------------------------


def add_category(session: Session, code: str, name_zh: str, name_en: str = "") -> VodCategory:
    check_code(code)
    if session.scalar(select(VodCategory.id).where(VodCategory.code == code)) is not None:
        raise CatalogError("vod_category_exists", category=code)
    category = VodCategory(
        code=code,
        name_zh=check_name(name_zh, "vod_category_empty"),
        name_en=check_optional_name(name_en),
    )
    session.add(category)
    session.flush()
    return category


def add_title(session: Session, draft: TitleDraft) -> VodTitle:
    """Store a new title with its search keys; its categories must exist."""
    draft = check_title(draft)
    if session.scalar(select(VodTitle.id).where(VodTitle.code == draft.code)) is not None:
        raise CatalogError("vod_title_exists", title=draft.code)
    categories = _categories(session, draft.categories)
    keys = search_keys(draft.title_zh, draft.title_en)
    title = VodTitle(
        code=draft.code,
        kind=draft.kind.value,
        title_zh=draft.title_zh,
        title_en=draft.title_en,
        description_zh=draft.description_zh,
        description_en=draft.description_en,
        year=draft.year,
        age_rating=draft.age_rating,
        cast_names=list(draft.cast),
        poster_url=draft.poster_url,
        title_folded=keys.folded,
        title_en_folded=keys.folded_en,
        title_pinyin=keys.pinyin,
        title_initials=keys.initials,
    )
    session.add(title)
    session.flush()
    session.execute(insert(VodTitleKey), key_rows(title.id, keys))
    session.add_all(VodTitleCategory(title_id=title.id, category_id=c.id) for c in categories)
    return title


def add_season(
    session: Session,
    title_code: str,
    number: int,
    title_zh: str = "",
    title_en: str = "",
    year: int | None = None,
) -> VodSeason:
    title = _title(session, title_code)
    if title.kind != TitleKind.SERIES:
        raise CatalogError("vod_not_a_series", title=title_code)
    check_number(number, "vod_bad_season_number")
    check_year(year)
    if _season_id(session, title.id, number) is not None:
        raise CatalogError("vod_season_exists", title=title_code, season=number)
    season = VodSeason(
        title_id=title.id,
        number=number,
        title_zh=check_optional_name(title_zh),
        title_en=check_optional_name(title_en),
        year=year,
    )
    session.add(season)
    session.flush()
    return season


def add_episode(
    session: Session,
    title_code: str,
    season_number: int,
    number: int,
    title_zh: str,
    title_en: str = "",
    *,
    description_zh: str = "",
    description_en: str = "",
    duration_s: int | None = None,
) -> VodEpisode:
    title = _title(session, title_code)
    if title.kind != TitleKind.SERIES:
        raise CatalogError("vod_not_a_series", title=title_code)
    season_id = _season_id(session, title.id, season_number)
    if season_id is None:
        raise CatalogError("vod_season_not_found", title=title_code, season=season_number)
    check_number(number, "vod_bad_episode_number")
    name = check_name(title_zh, "vod_episode_empty")
    if duration_s is not None and duration_s <= 0:
        raise CatalogError("vod_bad_duration", seconds=duration_s)
    taken = session.scalar(
        select(VodEpisode.id).where(VodEpisode.season_id == season_id, VodEpisode.number == number)
    )
    if taken is not None:
        raise CatalogError(
            "vod_episode_exists", title=title_code, season=season_number, episode=number
        )
    episode = VodEpisode(
        season_id=season_id,
        number=number,
        title_zh=name,
        title_en=check_optional_name(title_en),
        description_zh=description_zh.strip(),
        description_en=description_en.strip(),
        duration_s=duration_s,
    )
    session.add(episode)
    session.flush()
    return episode


# -- reading ---------------------------------------------------------------------------


def title_view(session: Session, code: str) -> TitleView:
    """A title with its categories, seasons and episodes; CatalogError if there is none."""
    title = _title(session, code)
    categories = session.scalars(
        select(VodCategory.code)
        .join(VodTitleCategory, VodTitleCategory.category_id == VodCategory.id)
        .where(VodTitleCategory.title_id == title.id)
        .order_by(VodCategory.code)
    ).all()
    seasons = session.scalars(
        select(VodSeason).where(VodSeason.title_id == title.id).order_by(VodSeason.number)
    ).all()
    episodes: dict[int, list[EpisodeView]] = {season.id: [] for season in seasons}
    if seasons:
        rows = session.scalars(
            select(VodEpisode)
            .where(VodEpisode.season_id.in_(episodes))
            .order_by(VodEpisode.season_id, VodEpisode.number)
        )
        for e in rows:
            episodes[e.season_id].append(
                EpisodeView(
                    e.number,
                    e.title_zh,
                    e.title_en,
                    e.description_zh,
                    e.description_en,
                    e.duration_s,
                )
            )
    return TitleView(
        code=title.code,
        kind=TitleKind(title.kind),
        title_zh=title.title_zh,
        title_en=title.title_en,
        description_zh=title.description_zh,
        description_en=title.description_en,
        year=title.year,
        age_rating=title.age_rating,
        cast=tuple(title.cast_names),
        poster_url=title.poster_url,
        categories=tuple(categories),
        seasons=tuple(
            SeasonView(s.number, s.title_zh, s.title_en, s.year, tuple(episodes[s.id]))
            for s in seasons
        ),
    )


def search_titles(
    session: Session, text: str, limit: int = 50, kind: TitleKind | None = None
) -> list[SearchHit]:
    """Titles whose characters, pinyin or initials contain the query, best matches first.

    Exact matches come before prefix matches, prefix before substring; then shorter titles,
    then the code. Two index range scans at most: first the keys that start with the query
    (the indexed columns of ``vod_titles``); only when those do not fill ``limit``, every
    tail of every key (``vod_title_keys``), whatever the size of the catalog.
    """
    query = parse_query(text)
    if query.empty:
        raise CatalogError("vod_query_empty")
    limit = max(1, min(limit, SEARCH_LIMIT))
    needles = list(dict.fromkeys(n for n in (query.folded, query.pinyin) if n))
    hits = _prefix_hits(session, needles, limit, kind)
    if len(hits) < limit:
        hits = _substring_hits(session, needles, limit, kind)
    return hits


_HIT_COLUMNS = (
    VodTitle.code,
    VodTitle.kind,
    VodTitle.title_zh,
    VodTitle.title_en,
    VodTitle.year,
    VodTitle.poster_url,
)
_KEY_COLUMNS = (
    VodTitle.title_folded,
    VodTitle.title_en_folded,
    VodTitle.title_pinyin,
    VodTitle.title_initials,
)


def _prefix_hits(
    session: Session, needles: list[str], limit: int, kind: TitleKind | None
) -> list[SearchHit]:
    """Titles with a key that equals (rank 0) or starts with (rank 1) a needle."""
    exact = or_(*(column.in_(needles) for column in _KEY_COLUMNS))
    rank = case((exact, literal(0)), else_=literal(1)).label("rank")
    starts = or_(*(_starts_with(column, n) for column in _KEY_COLUMNS for n in needles))
    statement = select(*_HIT_COLUMNS, rank).where(starts)
    return _hits(session, statement, rank, limit, kind)


def _substring_hits(
    session: Session, needles: list[str], limit: int, kind: TitleKind | None
) -> list[SearchHit]:
    """Titles with a key that contains a needle, ranked by their best match."""
    key = VodTitleKey.key
    best = func.min(
        case(
            (and_(VodTitleKey.whole, key.in_(needles)), literal(0)),
            (VodTitleKey.whole, literal(1)),
            else_=literal(2),
        )
    ).label("rank")
    matched = (
        select(VodTitleKey.title_id, best)
        .where(or_(*(_starts_with(key, n) for n in needles)))
        .group_by(VodTitleKey.title_id)
        .subquery()
    )
    statement = select(*_HIT_COLUMNS, matched.c.rank).join(
        matched, matched.c.title_id == VodTitle.id
    )
    return _hits(session, statement, matched.c.rank, limit, kind)


def _hits(
    session: Session,
    statement: Select[Any],
    rank: ColumnElement[int],
    limit: int,
    kind: TitleKind | None,
) -> list[SearchHit]:
    statement = statement.where(on_offer(VodTitle.id))  # not the newsroom's media
    if kind is not None:
        statement = statement.where(VodTitle.kind == kind.value)
    statement = statement.order_by(rank, func.length(VodTitle.title_zh), VodTitle.code).limit(limit)
    return [
        SearchHit(
            row.code,
            TitleKind(row.kind),
            row.title_zh,
            row.title_en,
            row.year,
            row.poster_url,
            row.rank,
        )
        for row in session.execute(statement)
    ]


def _starts_with(column: Any, needle: str) -> ColumnElement[bool]:
    """A range an index can scan: byte-wise, ``[needle, needle + U+10FFFF)``."""
    return and_(column >= needle, column < needle + _LAST_CHARACTER)


def key_rows(title_id: int, keys: SearchKeys) -> list[dict[str, Any]]:
    """The ``vod_title_keys`` rows of a title."""
    return [
        {"title_id": title_id, "key": tail, "whole": whole}
        for tail, whole in keys.suffixes().items()
    ]


def _title(session: Session, code: str) -> VodTitle:
    title = session.scalar(select(VodTitle).where(VodTitle.code == code))
    if title is None:
        raise CatalogError("vod_title_not_found", title=code)
    return title


def _season_id(session: Session, title_id: int, number: int) -> int | None:
    return session.scalar(
        select(VodSeason.id).where(VodSeason.title_id == title_id, VodSeason.number == number)
    )


def _categories(session: Session, codes: Sequence[str]) -> list[VodCategory]:
    if not codes:
        return []
    found = {
        c.code: c for c in session.scalars(select(VodCategory).where(VodCategory.code.in_(codes)))
    }
    for code in codes:
        if code not in found:
            raise CatalogError("vod_category_not_found", category=code)
    return [found[code] for code in codes]
