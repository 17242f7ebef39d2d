"""The channel catalog on SQLite and PostgreSQL, through migrations and actions."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from yunjin.db.engine import Database
from yunjin.live.channels import (
    ChannelError,
    ChannelSpec,
    add_channel,
    get_channel,
    list_channels,
    remove_channel,
    set_enabled,
)


def _spec(tvg_id: str = "CCTV1.cn", number: int = 1, **extra: object) -> ChannelSpec:
    values: dict[str, object] = {
        "tvg_id": tvg_id,
        "number": number,
        "name_zh": "中央一台",
        "name_en": "CCTV-1",
        "source": "testsrc:",
    }
    return ChannelSpec(**(values | extra))


def test_migrations_create_the_schema_and_are_idempotent(database_url: str) -> None:
    db = Database(database_url)
    Database(database_url).close()  # a second run of the migrations changes nothing
    tables = set(inspect(db.engine).get_table_names())
    assert {"channels", "alembic_version"} <= tables
    db.close()


def test_add_list_disable_remove(database_url: str) -> None:
    db = Database(database_url)
    with db.session() as session:
        add_channel(session, _spec("B.cn", 2, group="卫视", catchup_days=3))
        add_channel(session, _spec("A.cn", 1, name_zh="四川卫视"))
    with db.session() as session:
        channels = list_channels(session)
        assert [c.tvg_id for c in channels] == ["A.cn", "B.cn"]  # by number
        assert channels[0].name_zh == "四川卫视"
        assert channels[1].catchup_days == 3
        assert channels[1].group == "卫视"
        set_enabled(session, "A.cn", False)
    with db.session() as session:
        found = get_channel(session, "A.cn")
        assert found is not None
        assert not found.enabled
        remove_channel(session, "A.cn")
    with db.session() as session:
        assert [c.tvg_id for c in list_channels(session)] == ["B.cn"]
    db.close()


def test_duplicates_are_refused_and_nothing_is_half_written(database_url: str) -> None:
    db = Database(database_url)
    with db.session() as session:
        add_channel(session, _spec())
    for spec, code in [(_spec(number=9), "channel_exists"), (_spec("X.cn", 1), "number_taken")]:
        with pytest.raises(ChannelError) as caught, db.session() as session:
            add_channel(session, spec)
        assert caught.value.code == code
    with db.session() as session:
        assert len(list_channels(session)) == 1
    db.close()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tvg_id", "../etc"),
        ("tvg_id", ""),
        ("tvg_id", "a b"),
        ("number", 0),
        ("source", "ftp://example.org/x"),
        ("source", "relative/file.ts"),
        ("source", "udp://239.0.0.1"),
        ("source", "testsrc:?size=641x360"),
        ("source", "testsrc:?colour=red"),
        ("catchup_days", 99),
    ],
)
def test_bad_specs_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field.split("_")[0]):
        _spec(**{field: value})
