"""Folding names so that the same channel or title written differently compares equal.

CCTV-1 = cctv1 = ＣＣＴＶ１ (case, spaces, dashes, full width) and
四川卫视 = 四川衛視 (traditional folded to simplified). The guide matches channel names
with it and VOD search keys titles with it; neither owns it, so it stands beside ``i18n``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import opencc

_SEPARATORS = re.compile(r"[\s\-_.·・/|]+")


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=131_072)
def fold(text: str) -> str:
    """The comparison key of a name: width, case, separators and script folded."""
    compatible = unicodedata.normalize("NFKC", text)
    simplified: str = _to_simplified().convert(compatible)
    # Normalised again: dropping a separator can bring a base letter and a combining mark
    # together (``A´`` is ``a``, space, U+0301 after NFKC), and a key must fold to itself.
    return unicodedata.normalize("NFKC", _SEPARATORS.sub("", simplified.casefold()))
