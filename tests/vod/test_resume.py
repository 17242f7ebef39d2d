"""Resume points and what plays, in SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.db.engine import Database
from yunjin.db.models import VodAsset
from yunjin.subscribers.accounts import create_household, household_by_account
from yunjin.subscribers.regions import seed_regions
from yunjin.vod.assets import AssetState
from yunjin.vod.catalog import TitleDraft, TitleKind, add_episode, add_season, add_title
from yunjin.vod.playback import PlaybackError, playable, title_resume
from yunjin.vod.resume import (
    clamp,
    continue_watching_vod,
    finished_at,
    resume_points,
    save_position,
)

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.session() as session:
        seed_regions(session)
        create_household(session, "hh300", "511402")
        create_household(session, "hh301", "511402")
        film = add_title(session, TitleDraft("film", TitleKind.MOVIE, "电影", age_rating=12))
        series = add_title(session, TitleDraft("show", TitleKind.SERIES, "剧集"))
        add_season(session, "show", 1)
        first = add_episode(session, "show", 1, 1, "第一集")
        add_episode(session, "show", 1, 2, "第二集")
        session.flush()
        for code, title_id, episode_id, state, ready in (
            ("film-old", film.id, None, AssetState.READY, NOW - timedelta(days=2)),
            ("film-new", film.id, None, AssetState.READY, NOW - timedelta(days=1)),
            ("film-next", film.id, None, AssetState.TRANSCODING, None),
            ("show-0101", series.id, first.id, AssetState.READY, NOW),
        ):
            session.add(
                VodAsset(
                    code=code,
                    title_id=title_id,
                    episode_id=episode_id,
                    state=state.value,
                    filename="x.mp4",
                    source_path="x",
                    size_bytes=1,
                    duration_s=3600.0,
                    ready_at=ready,
                )
            )
    yield database
    database.close()


def _household(db: Database, account: str) -> int:
    with db.session() as session:
        return household_by_account(session, account).id


def _asset(db: Database, code: str) -> VodAsset:
    with db.session() as session:
        asset = session.query(VodAsset).filter_by(code=code).one()
        session.expunge(asset)
        return asset


def test_the_newest_ready_asset_plays(db: Database) -> None:
    with db.session() as session:
        film = playable(session, "film")
        assert film.asset == "film-new"
        assert film.traits.min_age == 12
        episode = playable(session, "show", 1, 1)
        assert (episode.asset, episode.season, episode.episode) == ("show-0101", 1, 1)
        for args, code in (
            (("show",), "vod_episode_required"),
            (("show", 1, 2), "vod_not_ready"),
            (("show", 2, 1), "vod_episode_not_found"),
            (("film", 1, 1), "vod_not_a_movie_episode"),
            (("nope",), "vod_title_not_found"),
        ):
            with pytest.raises(PlaybackError) as refused:
                playable(session, *args)  # type: ignore[arg-type]
            assert refused.value.code == code


def test_a_position_is_kept_once_per_household_and_asset(db: Database) -> None:
    film = _asset(db, "film-new")
    hh300, hh301 = _household(db, "hh300"), _household(db, "hh301")
    with db.session() as session:
        save_position(session, hh300, 7, film, 600, NOW - timedelta(minutes=5))
    with db.session() as session:  # a second report replaces the first (another device)
        save_position(session, hh300, 8, film, 1200.5, NOW)
    with db.session() as session:
        points = resume_points(session, hh300, [film.id])
        assert points[film.id].position_s == 1200.5
        assert points[film.id].start_s == 1200.5
        assert resume_points(session, hh301, [film.id]) == {}
        unfinished = continue_watching_vod(session, hh300, NOW)
        assert [(u.title, u.asset, u.point.position_s) for u in unfinished] == [
            ("film", "film-new", 1200.5)
        ]
        assert title_resume(session, hh300, "film")[0].point.position_s == 1200.5
    with db.session() as session:
        point = save_position(session, hh300, 8, film, 3590, NOW)
        assert point.finished
        assert point.start_s == 0
    with db.session() as session:
        assert continue_watching_vod(session, hh300, NOW) == []


def test_episodes_are_listed_with_their_numbers(db: Database) -> None:
    episode = _asset(db, "show-0101")
    hh301 = _household(db, "hh301")
    with db.session() as session:
        save_position(session, hh301, None, episode, 99999, NOW, finished=False)
        (found,) = title_resume(session, hh301, "show")
        assert (found.season, found.episode, found.point.position_s) == (1, 1, 3600.0)
        assert found.point.finished is True  # clamped to the end, which is finished


@given(st.floats(-100, 10_000, allow_nan=False), st.floats(1, 8000, allow_nan=False))
def test_finished_is_near_the_end_only(position: float, duration: float) -> None:
    kept = clamp(position, duration)
    assert 0 <= kept <= duration
    if finished_at(kept, duration):
        assert kept >= duration - 60
        assert kept >= duration * 0.95
    if kept >= duration - min(60, duration * 0.05):
        assert finished_at(kept, duration)
