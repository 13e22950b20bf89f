"""Diacritic folding: the one place text is compared without its Vietnamese marks.

``strip_marks`` drops the tone and vowel marks (and turns ``đ`` into ``d``); ``fold_key`` is
how spreadsheet headers and choice words compare (lower case, single spaces, ``_ - . / :`` as
spaces); ``fold_upper`` is how header words compare with the line-break vocabulary.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s_\-./:]+")


def strip_marks(text: str) -> str:
    """``Đồng chí`` → ``Dong chi``: the text without diacritics, case kept."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def fold_key(text: str) -> str:
    """Lower case, no diacritics, đ→d, single spaces: how headers and choice words compare."""
    return _SEPARATORS.sub(" ", strip_marks(text).lower()).strip()


def fold_upper(text: str) -> str:
    """Upper case without diacritics (Đ → D): how words are compared with the vocabulary."""
    return strip_marks(text).upper()
