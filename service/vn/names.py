"""Names and words: NFC, capitals, Vietnamese collation, honorifics (DOMAIN.md §5.2-5.6).

Collation (DOMAIN.md §5.3, the dictionary standard and CLDR's "vi" tailoring):

* letters ``a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z``;
* within a syllable the letters are compared first, then the tone
  (none < huyền < hỏi < ngã < sắc < nặng): "ang" < "anh" whatever the tones, "ác" < "ách",
  "ba" < "bà" < "bả" < "bã" < "bá" < "bạ"; a prefix comes first ("cha" < "chan");
* several syllables are compared syllable by syllable, left to right;
* only when all syllables are equal in letters and tones: the position of the tone mark
  (``hoà`` before ``hòa``, the two spellings of one syllable, kept as typed), then other
  diacritics, then case (lower before upper), then the NFC string itself, so the order is
  total and deterministic;
* a run of digits compares as a number ("Tổ 2" < "Tổ 10"); punctuation sorts before digits,
  digits before letters, letters of other scripts after z.

People are sorted by given name (the last word), then middle name(s), then family name
(the first word), each compared as above.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

T = TypeVar("T")

#: Tone marks (combining) and their collation rank.
TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
#: Marks that make a different letter: breve, circumflex, horn.
_LETTER_MARKS = {"\u0306": "\u0306", "\u0302": "\u0302", "\u031b": "\u031b"}
ALPHABET = tuple("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}

#: Honorific kinds (explicit input, never guessed from a name) and how they print at the
#: start of a line. ``none`` is for collectives (tập thể).
HONORIFICS: dict[str, str] = {"ong": "Ông", "ba": "Bà", "dong_chi": "Đồng chí", "none": ""}

_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2013\u2014]+")


def nfc(s: str) -> str:
    """NFC form: precomposed letters (``ế`` is one code point, U+1EBF)."""
    return unicodedata.normalize("NFC", s)


def upper_vn(s: str) -> str:
    """Real capitals with diacritics: ``Nguyễn Thị Thanh Thúy`` → ``NGUYỄN THỊ THANH THÚY``,
    ``đ`` → ``Đ``; the result is NFC even for NFD input. Tone placement is kept
    (``hoà`` → ``HOÀ``, ``hòa`` → ``HÒA``)."""
    return nfc(nfc(s).upper())


# ----------------------------------------------------------------------------- collation

def _char_parts(ch: str) -> tuple[tuple, int, int, int]:
    """(primary element, tone, other-diacritic code, case) of one NFC character."""
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    tone = 0
    letter_marks = ""
    other = 0
    for mark in marks:
        if mark in TONES:
            tone = TONES[mark]
        elif mark in _LETTER_MARKS:
            letter_marks += mark
        else:
            other = other * 0x10000 + ord(mark)
    lower = base.lower()
    case = 1 if base != lower else 0
    letter = unicodedata.normalize("NFC", lower + letter_marks)
    if letter in _LETTER_RANK:
        return (2, _LETTER_RANK[letter]), tone, other, case
    if base.isalpha():
        # a letter of another script or an unusual Latin letter: after z, by code point
        return (3, ord(lower), *map(ord, letter_marks)), tone, other, case
    return (0, ord(base)), tone, other, case


def _syllable(text: str) -> tuple[tuple, tuple, tuple, tuple, tuple]:
    """Levels of one syllable: (primary elements, tones in order, tone per position,
    other diacritics per position, case per position)."""
    primary: list[tuple] = []
    tones: list[int] = []
    positions: list[int] = []
    others: list[int] = []
    cases: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdecimal():
            j = i
            while j < len(text) and text[j].isdecimal():
                j += 1
            digits = "".join(str(unicodedata.decimal(c)) for c in text[i:j]).lstrip("0") or "0"
            primary.append((1, len(digits), digits))
            positions.append(0)
            others.append(j - i)  # "007" after "7"
            cases.append(0)
            i = j
            continue
        element, tone, other, case = _char_parts(ch)
        primary.append(element)
        if tone:
            tones.append(tone)
        positions.append(tone)
        others.append(other)
        cases.append(case)
        i += 1
    return tuple(primary), tuple(tones), tuple(positions), tuple(others), tuple(cases)


def _levels(text: str) -> tuple[tuple, tuple, tuple, tuple]:
    """Collation levels of a whole phrase: syllable by syllable (letters, then tone), then
    tone positions, other diacritics and case over the whole phrase."""
    syllables = [_syllable(s) for s in _SEPARATORS.split(text) if s]
    return (tuple((s[0], s[1]) for s in syllables), tuple(s[2] for s in syllables),
            tuple(s[3] for s in syllables), tuple(s[4] for s in syllables))


@lru_cache(maxsize=8192)
def _levels_short(text: str) -> tuple[tuple, tuple, tuple, tuple]:
    return _levels(text)


def _levels_cached(text: str) -> tuple[tuple, tuple, tuple, tuple]:
    # names and unit names repeat across a list; long texts are not worth keeping
    return _levels_short(text) if len(text) <= 120 else _levels(text)


def word_sort_key(s: str) -> tuple:
    """Sort key for words, phrases and unit names in Vietnamese order (total: two keys are
    equal only when the NFC strings are equal)."""
    text = nfc(s)
    return (*_levels_cached(text), text)


def split_name(full_name: str) -> tuple[str, str, str]:
    """``(family, middle, given)`` of a Vietnamese full name: the first word, the words in
    between, the last word. A one-word name is all given name."""
    words = nfc(full_name).split()
    if not words:
        return "", "", ""
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def person_parts_sort_key(family: str, middle: str, given: str) -> tuple:
    """Sort key from explicit name parts: given name, then middle name, then family name
    (for names whose parts are known, e.g. minority names that do not follow family-first)."""
    parts = [_levels_cached(nfc(p)) for p in (given, middle, family)]
    full = nfc(" ".join(p for p in (family, middle, given) if p))
    return (*(tuple(p[level] for p in parts) for level in range(4)), full)


def person_sort_key(full_name: str) -> tuple:
    """Given name (last word), then middle name(s), then family name (first word), each in
    Vietnamese order; ties broken by the full NFC string."""
    family, middle, given = split_name(full_name)
    parts = [_levels_cached(p) for p in (given, middle, family)]
    return (*(tuple(p[level] for p in parts) for level in range(4)), nfc(full_name))


def _itself(item: Any) -> str:
    return item


def sort_people(items: Iterable[T], key: Callable[[T], str] = _itself) -> list[T]:
    """Items sorted by the Vietnamese order of the person name ``key`` returns (stable)."""
    return sorted(items, key=lambda item: person_sort_key(key(item)))


def sort_words(items: Iterable[T], key: Callable[[T], str] = _itself) -> list[T]:
    """Items sorted by the Vietnamese order of the text ``key`` returns (stable)."""
    return sorted(items, key=lambda item: word_sort_key(key(item)))


def match_key(s: str) -> str:
    """A key for finding duplicates: case-folded, whitespace collapsed, and the tone mark
    moved to the end of its syllable so both placements match (``Hoà`` ≡ ``hòa``,
    ``Thuý`` ≡ ``Thúy``). For comparison only; never print it."""
    out = []
    for word in nfc(s).casefold().split():
        decomposed = unicodedata.normalize("NFD", word)
        tones = "".join(ch for ch in decomposed if ch in TONES)
        out.append(unicodedata.normalize(
            "NFC", "".join(ch for ch in decomposed if ch not in TONES)) + tones)
    return " ".join(out)


# ----------------------------------------------------------------------------- honorifics

def honorific(kind: str | None, *, capital: bool = True) -> str:
    """``ong`` → ``Ông``, ``ba`` → ``Bà``, ``dong_chi`` → ``Đồng chí``, ``none`` or None → ``""``.

    The kind always comes from an explicit field; it is never guessed from a name.
    ``capital=False`` gives the mid-sentence form (``ông``, ``bà``, ``đồng chí``).

    :raises ValueError: an unknown kind.
    """
    if kind is None:
        kind = "none"
    if kind not in HONORIFICS:
        raise ValueError(f"unknown honorific kind {kind!r}; use one of {sorted(HONORIFICS)}")
    text = HONORIFICS[kind]
    return text if capital else text[:1].lower() + text[1:]
