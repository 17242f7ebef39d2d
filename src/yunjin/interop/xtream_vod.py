"""Xtream-Codes-compatible JSON for movies and series, and their M3U entries (pure).

Shaped like the answers IPTV apps parse: ``get_vod_categories``, ``get_vod_streams``,
``get_vod_info`` (``info`` and ``movie_data``), ``get_series_categories``, ``get_series`` and
``get_series_info`` (``seasons``, ``info`` and ``episodes`` keyed by season number). Ids are
numbers as strings or ints where apps expect them; times are Unix seconds as strings.

Streams are HLS (``container_extension`` ``m3u8``): an app asks for
``/movie/{user}/{password}/{stream_id}.m3u8`` or ``/series/…/{episode id}.m3u8``, and
``.ts`` for one continuous MPEG-TS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from yunjin.vod.catalog import TitleKind
from yunjin.vod.listing import Category, ListedEpisode, ListedTitle

CONTAINER: Final = "m3u8"
UNSHELVED: Final = Category(0, "-", "其他", "Other")  # titles on no shelf
ADULT_AGE: Final = 18


def _shelf(title: ListedTitle) -> int:
    return title.categories[0] if title.categories else UNSHELVED.id


def _duration(seconds: float | None) -> str:
    total = round(seconds or 0)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _year(title: ListedTitle) -> str:
    return str(title.year) if title.year else ""


def categories(shelves: Sequence[Category], titles: Sequence[ListedTitle]) -> list[dict[str, Any]]:
    """The shelves that hold at least one of ``titles`` (movies or series), and "other"."""
    used = {_shelf(title) for title in titles} | {c for t in titles for c in t.categories}
    listed = [c for c in shelves if c.id in used]
    if UNSHELVED.id in used:
        listed.append(UNSHELVED)
    return [{"category_id": str(c.id), "category_name": c.name_zh, "parent_id": 0} for c in listed]


def _in(title: ListedTitle, category: str | None) -> bool:
    if category is None or category == "":
        return True
    return category == str(_shelf(title)) or category in {str(c) for c in title.categories}


def vod_streams(movies: Sequence[ListedTitle], category: str | None) -> list[dict[str, Any]]:
    streams = []
    for position, movie in enumerate(movies, start=1):
        if not _in(movie, category):
            continue
        streams.append(
            {
                "num": position,
                "name": movie.title_zh,
                "title": movie.title_zh,
                "year": _year(movie),
                "stream_type": "movie",
                "stream_id": movie.id,
                "stream_icon": movie.poster_url,
                "rating": "",
                "rating_5based": 0,
                "added": str(movie.added_s),
                "is_adult": 1 if movie.age_rating >= ADULT_AGE else 0,
                "category_id": str(_shelf(movie)),
                "category_ids": [_shelf(movie), *movie.categories[1:]],
                "container_extension": CONTAINER,
                "custom_sid": "",
                "direct_source": "",
            }
        )
    return streams


def _genre(title: ListedTitle, shelves: dict[int, Category]) -> str:
    return ", ".join(shelves[c].name_zh for c in title.categories if c in shelves)


def vod_info(movie: ListedTitle, shelves: Sequence[Category]) -> dict[str, Any]:
    by_id = {c.id: c for c in shelves}
    cast = ", ".join(movie.cast)
    return {
        "info": {
            "name": movie.title_zh,
            "o_name": movie.title_en or movie.title_zh,
            "cover_big": movie.poster_url,
            "movie_image": movie.poster_url,
            "releasedate": _year(movie),
            "year": _year(movie),
            "youtube_trailer": "",
            "director": "",
            "actors": cast,
            "cast": cast,
            "description": movie.description_zh,
            "plot": movie.description_zh,
            "age": str(movie.age_rating) if movie.age_rating else "",
            "country": "",
            "genre": _genre(movie, by_id),
            "backdrop_path": [],
            "duration_secs": round(movie.duration_s or 0),
            "duration": _duration(movie.duration_s),
            "rating": "",
            "tmdb_id": "",
        },
        "movie_data": {
            "stream_id": movie.id,
            "name": movie.title_zh,
            "title": movie.title_zh,
            "year": _year(movie),
            "added": str(movie.added_s),
            "category_id": str(_shelf(movie)),
            "category_ids": [_shelf(movie), *movie.categories[1:]],
            "container_extension": CONTAINER,
            "custom_sid": "",
            "direct_source": "",
        },
    }


def _series_fields(series: ListedTitle, shelves: dict[int, Category]) -> dict[str, Any]:
    runtime = [e.duration_s for e in series.episodes if e.duration_s]
    return {
        "name": series.title_zh,
        "title": series.title_zh,
        "year": _year(series),
        "cover": series.poster_url,
        "plot": series.description_zh,
        "cast": ", ".join(series.cast),
        "director": "",
        "genre": _genre(series, shelves),
        "releaseDate": _year(series),
        "release_date": _year(series),
        "last_modified": str(series.added_s),
        "rating": "",
        "rating_5based": 0,
        "backdrop_path": [],
        "youtube_trailer": "",
        "episode_run_time": str(round(sum(runtime) / len(runtime) / 60)) if runtime else "",
        "category_id": str(_shelf(series)),
        "category_ids": [_shelf(series), *series.categories[1:]],
    }


def series_list(
    all_series: Sequence[ListedTitle], shelves: Sequence[Category], category: str | None
) -> list[dict[str, Any]]:
    by_id = {c.id: c for c in shelves}
    return [
        {"num": position, "series_id": series.id, **_series_fields(series, by_id)}
        for position, series in enumerate(all_series, start=1)
        if _in(series, category)
    ]


def _episode(episode: ListedEpisode, series: ListedTitle) -> dict[str, Any]:
    return {
        "id": str(episode.id),
        "episode_num": episode.number,
        "title": episode.title_zh,
        "container_extension": CONTAINER,
        "info": {
            "movie_image": series.poster_url,
            "plot": episode.description_zh,
            "releasedate": _year(series),
            "duration_secs": round(episode.duration_s or 0),
            "duration": _duration(episode.duration_s),
            "rating": "",
        },
        "custom_sid": "",
        "added": str(episode.added_s),
        "season": episode.season,
        "direct_source": "",
    }


def series_info(series: ListedTitle, shelves: Sequence[Category]) -> dict[str, Any]:
    by_id = {c.id: c for c in shelves}
    episodes: dict[str, list[dict[str, Any]]] = {}
    for episode in series.episodes:
        episodes.setdefault(str(episode.season), []).append(_episode(episode, series))
    return {
        "seasons": [
            {
                "id": number,
                "season_number": number,
                "name": name or f"第 {number} 季",
                "episode_count": len(episodes.get(str(number), [])),
                "overview": "",
                "air_date": "",
                "cover": series.poster_url,
                "cover_big": series.poster_url,
            }
            for number, name in series.seasons
        ],
        "info": _series_fields(series, by_id),
        "episodes": episodes,
    }


def _attribute(value: str) -> str:
    return value.replace('"', "'").replace("\n", " ")


def m3u_entries(
    titles: Sequence[ListedTitle],
    shelves: Sequence[Category],
    base_url: str,
    user: str,
    password: str,
    extension: str,
) -> list[str]:
    """``#EXTINF`` and URL lines for every movie and episode, grouped by their shelf, as
    panels add them after the channels of ``get.php?type=m3u_plus``."""
    by_id = {c.id: c for c in [*shelves, UNSHELVED]}
    lines: list[str] = []
    for title in titles:
        group = by_id[_shelf(title)].name_zh if _shelf(title) in by_id else ""
        if title.kind is TitleKind.MOVIE:
            items = [(title.title_zh, f"movie/{user}/{password}/{title.id}")]
        else:
            items = [
                (
                    f"{title.title_zh} S{e.season:02d} E{e.number:02d}",
                    f"series/{user}/{password}/{e.id}",
                )
                for e in title.episodes
            ]
        for name, path in items:
            lines.append(
                f'#EXTINF:-1 tvg-id="" tvg-name="{_attribute(name)}" '
                f'tvg-logo="{_attribute(title.poster_url)}" group-title="{_attribute(group)}",'
                f"{name.replace(',', ' ')}"
            )
            lines.append(f"{base_url}/{path}.{extension}")
    return lines
