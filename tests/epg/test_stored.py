"""Programmes as stored rows: the JSON and folded forms built on the import's hot path."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from yunjin.epg.stored import ProgrammeBatch, languages_json, stored_values


@given(st.lists(st.tuples(st.sampled_from(["", "zh", "en", 'x"y']), st.text()), max_size=3))
def test_languages_json_is_json_dumps_of_the_dict(pairs: list[tuple[str, str]]) -> None:
    assert languages_json(tuple(pairs)) == json.dumps(dict(pairs), ensure_ascii=False)


def test_stored_values_are_the_texts_in_stored_form() -> None:
    fields = (
        "guide-id",
        1_000,
        None,
        (("zh", "熊貓 Ｎｅｗｓ"), ("en", "Panda News")),
        (("zh", "说明"),),
        "副标题",
        ("News", "Kids"),
        "1/10",
        "http://i/1.png",
    )
    assert stored_values(fields) == (
        1_000,
        None,
        "熊貓 Ｎｅｗｓ",
        "熊猫news pandanews",
        "副标题",
        "说明",
        "News, Kids",
        "1/10",
        "http://i/1.png",
        '{"zh": "熊貓 Ｎｅｗｓ", "en": "Panda News"}',
        '{"zh": "说明"}',
    )


def test_a_programme_without_descriptions_stores_an_empty_object() -> None:
    values = stored_values(("a", 1, 2, (("", "T"),), (), "", (), "", ""))
    assert values[2:] == ("T", "t", "", "", "", "", "", '{"": "T"}', "{}")


def test_a_batch_less_its_first_programmes_keeps_the_runs_that_remain() -> None:
    batch = ProgrammeBatch(
        [("a", 2), ("b", 3)], [1, 2, 3, 4, 5], [2, 3, 4, 5, None], [["1", "2", "3", "4", "5"]]
    )
    rest = batch.without_first(3)
    assert rest == ProgrammeBatch([("b", 2)], [4, 5], [5, None], [["4", "5"]])
    assert batch.without_first(1).runs == [("a", 1), ("b", 3)]
    assert len(batch.without_first(5)) == 0
