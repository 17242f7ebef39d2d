"""The search keys of a VOD title and the forms of a query: pure, no database.

A title is found by its characters (新闻, 新聞), its full pinyin (xinwenlianbo,
"xīn wén lián bō") and its pinyin initials (XWLB). Every form is computed once, when the
title is stored (:func:`search_keys`), and a query is brought to the same forms
(:func:`parse_query`), so a search compares strings in indexed columns.

Heteronyms (多音字) take pypinyin's default reading, which uses its phrase dictionary:
重庆 is chongqing, 银行 yinhang, 长城 changcheng; a character it has no phrase for takes its
most common reading. A title read another way by viewers is still found by its characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from yunjin.folding import fold

_SYLLABLE = re.compile(r"^[a-z]+$")
_NOT_LATIN_ALNUM = re.compile(r"[^a-z0-9]+")
# Han as pypinyin reads it: CJK unified ideographs, extension A, compatibility, 〇, B and on
_HAN_CHARS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN = re.compile(f"[{_HAN_CHARS}]")
_HAN_OR_NOT = re.compile(f"(?P<han>[{_HAN_CHARS}]+)|(?P<other>[^{_HAN_CHARS}]+)")


@dataclass(frozen=True, slots=True)
class SearchKeys:
    """A title's stored search forms: folded names, full pinyin and initials."""

    folded: str  # the Chinese title folded (NFKC, case, separators, 繁→简)
    folded_en: str  # the English title folded the same way
    pinyin: str  # xinwenlianbo: the folded title in toneless pinyin, other letters kept
    initials: str  # xwlb: the first letter of each syllable, other letters kept
    pinyin_starts: tuple[int, ...] = ()  # where each syllable (or Latin run) begins in pinyin

    def suffixes(self) -> dict[str, bool]:
        """Every tail of a key a search may start at, and whether it is a whole key.

        A query occurs in a key exactly when it is a prefix of one of these, so a substring
        search is an index range scan over them. Folded names and initials may be searched
        from any character; the full pinyin from a syllable's start (``wenlianbo`` finds
        新闻联播, ``enlianbo`` does not).
        """
        found: dict[str, bool] = {}
        for key, starts in (
            (self.folded, range(len(self.folded))),
            (self.folded_en, range(len(self.folded_en))),
            (self.initials, range(len(self.initials))),
            (self.pinyin, self.pinyin_starts),
        ):
            for start in starts:
                found[key[start:]] = found.get(key[start:], False) or start == 0
        return found


@dataclass(frozen=True, slots=True)
class Query:
    """A query in the forms it is compared in; ``pinyin`` is empty unless it is romanised."""

    folded: str
    pinyin: str

    @property
    def empty(self) -> bool:
        return not self.folded and not self.pinyin


def pinyin_forms(folded: str) -> tuple[str, str, tuple[int, ...]]:
    """The full toneless pinyin, the initials and the syllables' starts of a folded text.

    Han characters become syllables (绿 is ``lv``, as pypinyin writes ü), read a run of Han at
    a time so that phrases choose their reading; other text is kept in both forms as a
    romanised query is (:func:`fold_pinyin`: Latin letters without accents, and digits);
    anything else (punctuation, kana, a Han character pypinyin has no reading for) is left to
    the folded name. So both forms are ``[a-z0-9]*`` and the initials are a subsequence of the
    full pinyin.
    """
    pieces: list[tuple[str, str]] = []
    for run in _HAN_OR_NOT.finditer(folded):
        if run.group("han"):
            syllables = lazy_pinyin(run.group("han"), style=Style.NORMAL)
            pieces.extend((s, s[0]) for s in syllables if _SYLLABLE.match(s))
        elif kept := fold_pinyin(run.group("other")):
            pieces.append((kept, kept))
    starts: list[int] = []
    at = 0
    for syllable, _initial in pieces:
        starts.append(at)
        at += len(syllable)
    return "".join(p for p, _ in pieces), "".join(i for _, i in pieces), tuple(starts)


def search_keys(title_zh: str, title_en: str = "") -> SearchKeys:
    folded = fold(title_zh)
    pinyin, initials, starts = pinyin_forms(folded)
    return SearchKeys(folded, fold(title_en), pinyin, initials, starts)


def fold_pinyin(text: str) -> str:
    """A romanised query as stored pinyin: tone marks, ü, case, spaces and apostrophes gone.

    ``Xīn Wén Lián Bō`` and ``xin'wen lian-bo`` are ``xinwenlianbo``; ``lǜ`` and ``lü`` are
    ``lv``. Tone numbers (``xin1``) are not removed: digits belong to titles (流浪地球2).
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold()).replace("u\u0308", "v")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_LATIN_ALNUM.sub("", bare)


def parse_query(text: str) -> Query:
    """The forms a query is searched in: always folded, and as pinyin when it has no Han."""
    folded = fold(text)
    romanised = "" if _HAN.search(folded) else fold_pinyin(text)
    return Query(folded, romanised)
