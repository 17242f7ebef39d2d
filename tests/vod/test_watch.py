"""The watch folder: a finished file becomes a movie; a file still growing waits; a bad one is
rejected with its reason in both languages."""

from __future__ import annotations

import json
import os
import shutil

from sqlalchemy import select

from tests.vod.ingest_clips import Clips, FakeQueue
from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.db.models import VodAsset, VodTitle
from yunjin.vod.catalog import add_category, title_view
from yunjin.vod.watch import WatchFolder, code_from_name, title_from_name


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _folder(settings: Settings, db: Database) -> tuple[WatchFolder, Clock, FakeQueue]:
    clock = Clock()
    queue = FakeQueue()
    return WatchFolder(settings, db, queue, stable_s=3, clock=clock), clock, queue


def test_a_dropped_film_becomes_a_movie_titled_from_its_name(
    catalog_db: tuple[Settings, Database], clips: Clips
) -> None:
    settings, db = catalog_db
    watch, clock, queue = _folder(settings, db)
    settings.watch_dir.mkdir(parents=True)
    shutil.copy(clips.good, settings.watch_dir / "新闻联播.mp4")
    assert watch.scan() == []  # first sight: not yet known to be finished
    clock.now += 1
    assert watch.scan() == []  # unchanged, but not for long enough
    clock.now += 3
    [outcome] = watch.scan()
    assert outcome.error is None
    assert outcome.asset is not None
    assert outcome.asset.title == "xinwenlianbo"
    assert queue.codes == [outcome.asset.code]
    with db.session() as session:
        view = title_view(session, "xinwenlianbo")
    assert (view.kind, view.title_zh) == ("movie", "新闻联播")
    assert not (settings.watch_dir / "新闻联播.mp4").exists()  # moved out of the folder
    kept = settings.vod_dir / "sources" / outcome.asset.code / "新闻联播.mp4"
    assert kept.read_bytes() == clips.good.read_bytes()
    assert list((settings.watch_dir / ".claimed").iterdir()) == []


def test_a_file_still_growing_is_left_alone(
    catalog_db: tuple[Settings, Database], clips: Clips
) -> None:
    settings, db = catalog_db
    watch, clock, queue = _folder(settings, db)
    settings.watch_dir.mkdir(parents=True)
    data = clips.good.read_bytes()
    growing = settings.watch_dir / "film.mp4"
    for part in range(1, 5):
        growing.write_bytes(data[: len(data) * part // 4])
        assert watch.scan() == []
        clock.now += 2  # each scan sees a new size, so the file never counts as finished
    (settings.watch_dir / "copying.mp4.part").write_bytes(data)
    (settings.watch_dir / ".hidden.mp4").write_bytes(data)
    clock.now += 5
    [outcome] = watch.scan()
    assert outcome.name == "film.mp4"
    assert outcome.asset is not None
    clock.now += 5
    assert watch.scan() == []
    assert len(queue.codes) == 1


def test_a_sidecar_gives_the_titles_fields(
    catalog_db: tuple[Settings, Database], clips: Clips
) -> None:
    settings, db = catalog_db
    watch, clock, _queue = _folder(settings, db)
    settings.watch_dir.mkdir(parents=True)
    shutil.copy(clips.good, settings.watch_dir / "wandering_earth_2019.mp4")
    (settings.watch_dir / "wandering_earth_2019.json").write_text(
        json.dumps(
            {"code": "liulang-diqiu", "title_zh": "流浪地球", "title_en": "The Wandering Earth"}
            | {"year": 2019, "age_rating": 12, "cast": ["吴京"]},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    watch.scan()
    clock.now += 5
    [outcome] = watch.scan()
    assert outcome.asset is not None
    assert outcome.asset.title == "liulang-diqiu"
    with db.session() as session:
        view = title_view(session, "liulang-diqiu")
    assert (view.title_zh, view.title_en, view.year, view.age_rating, view.cast) == (
        "流浪地球",
        "The Wandering Earth",
        2019,
        12,
        ("吴京",),
    )
    assert sorted(os.listdir(settings.watch_dir)) == [".claimed"]


def test_bad_files_are_rejected_with_a_bilingual_reason(
    catalog_db: tuple[Settings, Database], clips: Clips
) -> None:
    settings, db = catalog_db
    watch, clock, queue = _folder(settings, db)
    settings.watch_dir.mkdir(parents=True)
    for _bad, (path, _code) in clips.bad().items():
        shutil.copy(path, settings.watch_dir / path.name)
    shutil.copy(clips.good, settings.watch_dir / "broken-sidecar.mp4")
    (settings.watch_dir / "broken-sidecar.json").write_text("{not json", encoding="utf-8")
    watch.scan()
    clock.now += 5
    outcomes = {o.name: o for o in watch.scan()}
    assert queue.codes == []
    rejected = settings.watch_dir / "rejected"
    expected = {path.name: code for path, code in clips.bad().values()}
    expected["broken-sidecar.mp4"] = "vod_bad_sidecar"
    for name, code in expected.items():
        error = outcomes[name].error
        assert error is not None
        assert error.code == code
        assert (rejected / name).exists()
        reason = (rejected / f"{name}.error.txt").read_text(encoding="utf-8").splitlines()
        assert reason[0] == code
        assert reason[1] == error.messages()["en"]
        assert reason[2] == error.messages()["zh-CN"]
    assert (rejected / "broken-sidecar.json").exists()
    with db.session() as session:
        assert session.scalars(select(VodAsset)).all() == []
        assert session.scalar(select(VodTitle).where(VodTitle.code == "radio")) is None
    assert not (settings.vod_dir / "sources").exists() or not any(
        (settings.vod_dir / "sources").iterdir()
    )
    clock.now += 5
    assert watch.scan() == []  # rejected files are not taken again


def test_a_name_taken_gets_a_number(catalog_db: tuple[Settings, Database], clips: Clips) -> None:
    settings, db = catalog_db
    watch, clock, _queue = _folder(settings, db)
    settings.watch_dir.mkdir(parents=True)
    shutil.copy(clips.good, settings.watch_dir / "liulang.mp4")  # the code of a title there
    watch.scan()
    clock.now += 5
    [outcome] = watch.scan()
    assert outcome.asset is not None
    assert outcome.asset.title == "liulang-2"


def test_titles_and_codes_from_names() -> None:
    assert title_from_name("The.Wandering_Earth.2019") == "The Wandering Earth 2019"
    assert code_from_name("The.Wandering_Earth.2019") == "the-wandering-earth-2019"
    assert code_from_name("繁花 第1集") == "fanhua-di-1-ji"
    assert code_from_name("¡¿") == "film"


def test_films_without_a_sidecar_go_on_the_configured_shelves(
    catalog_db: tuple[Settings, Database], clips: Clips
) -> None:
    """So a VOD bundle that opens the category plays a dropped film without further steps."""
    settings, db = catalog_db
    settings = settings.model_copy(update={"vod_watch_categories": ["movies"]})
    with db.session() as session:
        add_category(session, "movies", "电影", "Films")
    watch, clock, _queue = _folder(settings, db)
    settings.watch_dir.mkdir(parents=True)
    shutil.copy(clips.good, settings.watch_dir / "长津湖.mp4")
    watch.scan()
    clock.now += 5
    [outcome] = watch.scan()
    assert outcome.asset is not None
    with db.session() as session:
        assert title_view(session, outcome.asset.title).categories == ("movies",)
