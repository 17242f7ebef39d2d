"""Folding names: the same channel or title written differently folds to one key (pure)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from yunjin.folding import fold


def test_names_fold_as_operators_write_them() -> None:
    assert fold("CCTV-1") == fold("cctv1") == fold("ＣＣＴＶ１") == fold("CCTV 1")
    assert fold("四川卫视") == fold("四川衛視")


@given(st.text(max_size=40))
@example("A´")  # NFKC makes it a, space, U+0301: the space goes, the mark must compose
def test_a_key_folds_to_itself(text: str) -> None:
    assert fold(fold(text)) == fold(text)
