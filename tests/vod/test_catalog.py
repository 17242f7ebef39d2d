"""The VOD catalog in SQLite and PostgreSQL: titles, series, refusals, search and its ranking."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from yunjin.db.engine import Database
from yunjin.i18n import MESSAGES
from yunjin.vod.catalog import (
    CatalogError,
    TitleDraft,
    TitleKind,
    add_category,
    add_episode,
    add_season,
    add_title,
    search_titles,
    title_view,
)
from yunjin.vod.schemas import TitlePage

MOVIE = TitleKind.MOVIE
SERIES = TitleKind.SERIES


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.session() as session:
        add_category(session, "news", "新闻", "News")
        add_category(session, "drama", "电视剧", "Drama")
        for draft in (
            TitleDraft("xwlb", SERIES, "新闻联播", "Network News", categories=("news",)),
            TitleDraft("xwlb-special", MOVIE, "新闻联播特别节目", year=2019),
            TitleDraft("xinwen-zhoukan", SERIES, "新闻周刊"),
            TitleDraft("chongqing", MOVIE, "重庆森林", "Chungking Express", year=1994),
            TitleDraft("earth2", MOVIE, "流浪地球2", "The Wandering Earth II", year=2023),
            TitleDraft("cctv", MOVIE, "ＣＣＴＶ－１ 晚间新闻"),
            TitleDraft("fanhua", SERIES, "繁花", "Blossoms Shanghai", categories=("drama",)),
        ):
            add_title(session, draft)
    yield database
    database.close()


def _codes(db: Database, text: str, **kwargs: object) -> list[str]:
    with db.session() as session:
        return [hit.code for hit in search_titles(session, text, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("新闻联播", "xwlb"),  # characters, exact
        ("联播", "xwlb"),  # characters, inside the title
        ("新聞聯播", "xwlb"),  # traditional folded to simplified
        ("xinwenlianbo", "xwlb"),  # full pinyin
        ("xīn wén lián bō", "xwlb"),  # tones and spaces ignored
        ("Xin Wen Lian Bo", "xwlb"),
        ("XWLB", "xwlb"),  # initials
        ("ｘｗｌｂ", "xwlb"),  # full width
        ("wenlianbo", "xwlb"),  # pinyin from a syllable inside
        ("chongqing", "chongqing"),  # heteronym: pypinyin's reading in the phrase 重庆
        ("cqsl", "chongqing"),
        ("chungking", "chongqing"),  # English title
        ("wandering earth", "earth2"),
        ("流浪地球2", "earth2"),
        ("cctv1", "cctv"),  # full-width and separators in the stored title
        ("晚间新闻", "cctv"),
        ("fh", "fanhua"),
    ],
)
def test_search_finds(db: Database, query: str, first: str) -> None:
    assert _codes(db, query)[:1] == [first]


def test_exact_then_prefix_then_substring(db: Database) -> None:
    with db.session() as session:
        hits = search_titles(session, "新闻联播")
    assert [(h.code, h.rank) for h in hits] == [
        ("xwlb", 0),
        ("xwlb-special", 1),
    ]
    with db.session() as session:
        hits = search_titles(session, "新闻")
    # prefix matches (shorter titles first), then the title with 新闻 inside
    assert [(h.code, h.rank) for h in hits] == [
        ("xinwen-zhoukan", 1),
        ("xwlb", 1),
        ("xwlb-special", 1),
        ("cctv", 2),
    ]


def test_prefix_hits_that_fill_the_limit_are_the_best(db: Database) -> None:
    assert _codes(db, "新闻", limit=2) == ["xinwen-zhoukan", "xwlb"]
    assert _codes(db, "xw", limit=2) == ["xinwen-zhoukan", "xwlb"]  # xwzk, xwlb
    assert _codes(db, "xwl", limit=1) == ["xwlb"]


def test_the_title_type_filter(db: Database) -> None:
    assert _codes(db, "新闻", kind=MOVIE) == ["xwlb-special", "cctv"]
    assert _codes(db, "新闻", kind=SERIES) == ["xinwen-zhoukan", "xwlb"]


def test_nothing_found_and_like_wildcards_are_plain_text(db: Database) -> None:
    assert _codes(db, "不存在的片名") == []
    assert _codes(db, "%") == []
    assert _codes(db, "%%") == []


def test_an_empty_query_is_refused(db: Database) -> None:
    with pytest.raises(CatalogError) as raised, db.session() as session:
        search_titles(session, " - ")
    assert raised.value.code == "vod_query_empty"


def test_a_series_with_seasons_and_episodes(db: Database) -> None:
    with db.session() as session:
        add_season(session, "fanhua", 1, "第一季", "Season 1", year=2023)
        add_episode(session, "fanhua", 1, 2, "第二集", duration_s=2700)
        add_episode(session, "fanhua", 1, 1, " 第一集 ", "Episode 1", description_zh="开篇")
        add_season(session, "fanhua", 2)
    with db.session() as session:
        view = title_view(session, "fanhua")
    assert view.categories == ("drama",)
    assert [s.number for s in view.seasons] == [1, 2]
    assert [(e.number, e.title_zh) for e in view.seasons[0].episodes] == [
        (1, "第一集"),
        (2, "第二集"),
    ]
    assert view.seasons[1].episodes == ()
    body = TitlePage.of(view).model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert body["title"] == {"zh": "繁花", "en": "Blossoms Shanghai"}
    assert body["seasons"][0]["episodes"][1]["duration_s"] == 2700


def test_a_movie_view(db: Database) -> None:
    with db.session() as session:
        add_title(
            session,
            TitleDraft(
                "hero",
                MOVIE,
                " 英雄 ",
                "Hero",
                description_zh="战国末年……",
                year=2002,
                age_rating=12,
                cast=("李连杰", "梁朝伟", "李连杰", " "),
                poster_url="https://img.example/hero.jpg",
            ),
        )
    with db.session() as session:
        view = title_view(session, "hero")
    assert (view.title_zh, view.year, view.age_rating) == ("英雄", 2002, 12)
    assert view.cast == ("李连杰", "梁朝伟")
    assert view.seasons == ()


def _refused(db: Database, code: str, action: object) -> CatalogError:
    with pytest.raises(CatalogError) as raised, db.session() as session:
        action(session)  # type: ignore[operator]
    assert raised.value.code == code
    assert code in MESSAGES
    messages = raised.value.messages()
    assert messages["en"]
    assert messages["zh-CN"]
    assert messages["en"] != messages["zh-CN"]
    return raised.value


@pytest.mark.parametrize(
    ("code", "draft"),
    [
        ("vod_title_empty", TitleDraft("empty", MOVIE, "  ")),
        ("vod_bad_year", TitleDraft("old", MOVIE, "老片", year=1800)),
        ("vod_bad_year", TitleDraft("future", MOVIE, "未来", year=3000)),
        ("vod_bad_code", TitleDraft("Bad Code", MOVIE, "片名")),
        ("vod_bad_code", TitleDraft("", MOVIE, "片名")),
        ("vod_bad_age_rating", TitleDraft("age", MOVIE, "片名", age_rating=-1)),
        ("vod_bad_poster", TitleDraft("poster", MOVIE, "片名", poster_url="javascript:x")),
        ("vod_name_too_long", TitleDraft("long", MOVIE, "长" * 301)),
        ("vod_title_exists", TitleDraft("xwlb", SERIES, "新闻联播")),
        ("vod_category_not_found", TitleDraft("c", MOVIE, "片名", categories=("nope",))),
        ("vod_duplicate_category", TitleDraft("d", MOVIE, "片名", categories=("news", "news"))),
    ],
)
def test_bad_titles_are_refused(db: Database, code: str, draft: TitleDraft) -> None:
    _refused(db, code, lambda session: add_title(session, draft))


def test_bad_seasons_and_episodes_are_refused(db: Database) -> None:
    with db.session() as session:
        add_season(session, "fanhua", 1)
        add_episode(session, "fanhua", 1, 1, "第一集")
    error = _refused(db, "vod_season_not_found", lambda s: add_episode(s, "fanhua", 3, 1, "集"))
    assert "3" in error.messages()["zh-CN"]
    _refused(db, "vod_season_exists", lambda s: add_season(s, "fanhua", 1))
    _refused(db, "vod_episode_exists", lambda s: add_episode(s, "fanhua", 1, 1, "又一集"))
    _refused(db, "vod_episode_empty", lambda s: add_episode(s, "fanhua", 1, 2, " "))
    _refused(db, "vod_bad_episode_number", lambda s: add_episode(s, "fanhua", 1, 0, "集"))
    _refused(db, "vod_bad_season_number", lambda s: add_season(s, "fanhua", -1))
    _refused(db, "vod_bad_duration", lambda s: add_episode(s, "fanhua", 1, 3, "集", duration_s=0))
    _refused(db, "vod_not_a_series", lambda s: add_season(s, "earth2", 1))
    _refused(db, "vod_not_a_series", lambda s: add_episode(s, "earth2", 1, 1, "集"))
    _refused(db, "vod_title_not_found", lambda s: add_season(s, "nope", 1))
    _refused(db, "vod_title_not_found", lambda s: title_view(s, "nope"))
    _refused(db, "vod_category_exists", lambda s: add_category(s, "news", "新闻"))
    _refused(db, "vod_category_empty", lambda s: add_category(s, "empty", ""))


def test_a_refused_change_leaves_nothing_behind(db: Database) -> None:
    _refused(db, "vod_season_not_found", lambda s: add_episode(s, "fanhua", 9, 1, "集"))
    with db.session() as session:
        assert title_view(session, "fanhua").seasons == ()
