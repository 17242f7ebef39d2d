"""Programmes as stored rows: the JSON and folded forms built on the import's hot path."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from yunjin.epg.stored import languages_json, programme_fields, stored_row
from yunjin.epg.xmltv import XmltvProgramme


@given(st.lists(st.tuples(st.sampled_from(["", "zh", "en", 'x"y']), st.text()), max_size=3))
def test_languages_json_is_json_dumps_of_the_dict(pairs: list[tuple[str, str]]) -> None:
    assert languages_json(tuple(pairs)) == json.dumps(dict(pairs), ensure_ascii=False)


def test_a_stored_row_has_the_repaired_stop_and_the_texts_in_stored_form() -> None:
    item = XmltvProgramme(
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
    assert stored_row("CCTV1.cn", 2_000, programme_fields(item)) == (
        "CCTV1.cn",
        1_000,
        2_000,
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
