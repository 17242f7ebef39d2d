"""Search keys and query forms: folding, pinyin, initials, key tails (pure, no database)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from yunjin.vod.search import Query, fold_pinyin, parse_query, pinyin_forms, search_keys

# titles as operators type them: Han (simplified and traditional), Latin, digits, punctuation
titles = st.text(
    alphabet=st.one_of(
        st.sampled_from("新闻联播聞聯重庆銀行长城绿哪吒〇𠀀"),
        st.characters(codec="utf-8", exclude_categories=("Cs", "Co", "Cn")),
    ),
    max_size=30,
)


def test_the_keys_of_a_title() -> None:
    keys = search_keys("新闻联播", "News at Seven")
    assert (keys.folded, keys.folded_en, keys.pinyin, keys.initials) == (
        "新闻联播",
        "newsatseven",
        "xinwenlianbo",
        "xwlb",
    )
    assert keys.pinyin_starts == (0, 3, 6, 10)


def test_traditional_width_and_case_fold_to_the_same_keys() -> None:
    assert search_keys("新聞聯播") == search_keys("新闻联播")
    assert search_keys("ＣＣＴＶ－１ 新闻") == search_keys("cctv1新闻")


@pytest.mark.parametrize(
    ("title", "pinyin", "initials"),
    [
        ("重庆森林", "chongqingsenlin", "cqsl"),  # 重 read as chong in the phrase 重庆
        ("银行家", "yinhangjia", "yhj"),  # 行 read as hang in 银行
        ("绿皮书", "lvpishu", "lps"),  # ü written v, as pypinyin does
        ("流浪地球2：特别版", "liulangdiqiu2tebieban", "lldq2tbb"),  # digits kept, ： dropped
        ("CCTV-1新闻", "cctv1xinwen", "cctv1xw"),
    ],
)
def test_pinyin_and_initials(title: str, pinyin: str, initials: str) -> None:
    keys = search_keys(title)
    assert (keys.pinyin, keys.initials) == (pinyin, initials)


def test_tails_start_anywhere_in_names_and_initials_but_at_syllables_in_pinyin() -> None:
    tails = search_keys("新闻联播").suffixes()
    assert tails["新闻联播"] is True
    assert tails["联播"] is False
    assert tails["wlb"] is False
    assert "wenlianbo" in tails
    assert "enlianbo" not in tails


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("XWLB", Query("xwlb", "xwlb")),
        ("ＸＷＬＢ", Query("xwlb", "xwlb")),
        ("xīn wén lián bō", Query("xīnwénliánbō", "xinwenlianbo")),
        ("Xin Wen Lian Bo", Query("xinwenlianbo", "xinwenlianbo")),
        ("xin'wen", Query("xin'wen", "xinwen")),
        ("lǜ pí shū", Query("lǜpíshū", "lvpishu")),
        ("新聞", Query("新闻", "")),  # Han: no pinyin form
        ("---", Query("", "")),
    ],
)
def test_query_forms(text: str, expected: Query) -> None:
    assert parse_query(text) == expected


def test_an_empty_query_is_empty() -> None:
    assert parse_query(" - ").empty
    assert not parse_query("a").empty


@given(titles)
@example("A´")  # NFKC makes it a, space, U+0301: the space goes, the mark must compose
def test_folding_is_idempotent(title: str) -> None:
    keys = search_keys(title)
    assert search_keys(keys.folded) == keys
    assert fold_pinyin(keys.pinyin) == keys.pinyin


def _is_subsequence(short: str, long: str) -> bool:
    remaining = iter(long)
    return all(ch in remaining for ch in short)


@given(titles)
def test_initials_are_a_subsequence_of_the_full_pinyin(title: str) -> None:
    pinyin, initials, starts = pinyin_forms(search_keys(title).folded)
    assert _is_subsequence(initials, pinyin)
    assert list(starts) == sorted(set(starts))
    assert all(0 <= at < len(pinyin) for at in starts)
    assert set(pinyin + initials) <= set("abcdefghijklmnopqrstuvwxyz0123456789")


@given(titles, st.data())
def test_every_substring_of_a_name_is_the_start_of_a_tail(title: str, data: st.DataObject) -> None:
    keys = search_keys(title)
    if not keys.folded:
        return
    start = data.draw(st.integers(0, len(keys.folded) - 1))
    end = data.draw(st.integers(start + 1, len(keys.folded)))
    needle = keys.folded[start:end]
    assert any(tail.startswith(needle) for tail in keys.suffixes())
