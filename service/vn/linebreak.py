"""Break an agency name, an authority line or a signer's position the way an official would.

Vietnamese words are often two syllables (*Thông tin*, *Phát triển*, *Du lịch*), and a header
line that ends inside one (``BỘ KHOA HỌC VÀ CÔNG / NGHỆ``) reads wrong. :func:`break_lines`
honours the caller's own breaks (``\\n``) and otherwise picks, among the breaks between words,
the fewest lines that fit and then the most balanced of them:

* never inside a word of the vocabulary (``data/line_breaks.txt``, kept as data);
* never a line of one syllable, never a line that starts with a hyphen or a comma;
* preferably at the conjunction ``VÀ`` (before or after), after a comma or a hyphen, and before
  the next administrative level (``TỈNH``, ``THÀNH PHỐ`` …); never after ``BỘ``, ``TỈNH``,
  ``TM.`` … when anything else fits.

A rule is relaxed (first the soft ones, then the single syllable, then the vocabulary) only
when nothing fits with it. Widths come from a caller's ``width`` function (the rendering layer
measures with the bundled font), so this module stays pure.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from service.vn.fold import fold_upper

DATA_FILE = Path(__file__).resolve().parent / "data" / "line_breaks.txt"
MAX_LINES = 5
MAX_WORDS = 40          # beyond this (never in a header) a greedy fill is used
PREFERRED_BONUS = 0.15  # per preferred break, in units of the column width
AWKWARD_PENALTY = 1.0   # a line ending with "BỘ", "TỈNH", "TM." …
PUNCTUATION = ",.;:()“”\"'"
HYPHENS = ("-", "–")


@dataclass(frozen=True)
class Vocabulary:
    words: frozenset[tuple[str, ...]]
    no_break_after: frozenset[tuple[str, ...]]
    break_before: frozenset[tuple[str, ...]]
    conjunctions: frozenset[str]
    longest: int


@cache
def vocabulary() -> Vocabulary:
    """The sections of ``data/line_breaks.txt`` as folded word tuples."""
    sections: dict[str, set[tuple[str, ...]]] = {}
    current: set[tuple[str, ...]] | None = None
    for raw in DATA_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], set())
        elif current is not None:
            current.add(tuple(fold_upper(line).split()))
    words = frozenset(sections.get("words", ()))
    return Vocabulary(
        words=words,
        no_break_after=frozenset(sections.get("no_break_after", ())),
        break_before=frozenset(sections.get("break_before", ())),
        conjunctions=frozenset(w[0] for w in sections.get("conjunctions", ())),
        longest=max((len(w) for w in words), default=1))


def _key(token: str) -> str:
    return fold_upper(token.strip(PUNCTUATION))


def _protected(tokens: Sequence[str], vocab: Vocabulary) -> set[int]:
    """Break positions (a break at ``i`` starts a line with ``tokens[i]``) inside a word."""
    keys = [_key(t) for t in tokens]
    inside: set[int] = set()
    for start in range(len(tokens)):
        for size in range(2, vocab.longest + 1):
            end = start + size
            if end > len(tokens):
                break
            # a comma or a full stop ends a word: "HÓA, THỂ" is never one word
            if any(t[-1] in ",.;:" for t in tokens[start:end - 1]):
                break
            if tuple(keys[start:end]) in vocab.words:
                inside.update(range(start + 1, end))
    return inside


def _ends_with(keys: Sequence[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    return any(tuple(keys[-len(p):]) == p for p in phrases if len(p) <= len(keys))


def _starts_with(keys: Sequence[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    return any(tuple(keys[:len(p)]) == p for p in phrases)


@dataclass(frozen=True)
class _Points:
    """What each break position between two tokens is worth."""

    allowed: tuple[int, ...]       # never starting a line with a hyphen or punctuation
    protected: frozenset[int]      # inside a vocabulary word
    preferred: frozenset[int]
    awkward: frozenset[int]


def _points(tokens: Sequence[str], vocab: Vocabulary) -> _Points:
    keys = [_key(t) for t in tokens]
    allowed, preferred, awkward = [], set(), set()
    for i in range(1, len(tokens)):
        if tokens[i] in HYPHENS or tokens[i][0] in ",.;:)”":
            continue
        allowed.append(i)
        before, after = tokens[i - 1], keys[i]
        if (before in HYPHENS or before[-1] == "," or keys[i - 1] in vocab.conjunctions
                or after in vocab.conjunctions or _starts_with(keys[i:], vocab.break_before)):
            preferred.add(i)
        if _ends_with(keys[:i], vocab.no_break_after):
            awkward.add(i)
    return _Points(tuple(allowed), frozenset(_protected(tokens, vocab)), frozenset(preferred),
                   frozenset(awkward))


def _lines(tokens: Sequence[str], cuts: Sequence[int]) -> list[str]:
    bounds = [0, *cuts, len(tokens)]
    return [" ".join(tokens[a:b]) for a, b in itertools.pairwise(bounds)]


def _is_word(token: str) -> bool:
    return token not in HYPHENS and any(c.isalnum() for c in token)


@dataclass
class _Search:
    """The cuts of ``tokens`` into lines that fit, found line by line: a line ends only where
    it still fits (widths grow with the line, so the search stops at the first that does not)
    and where the rest can still fit the lines left, so only the few feasible cuts are seen."""

    tokens: Sequence[str]
    max_width: float
    width: Callable[[str], float]
    positions: Sequence[int]
    min_words: int

    def __post_init__(self) -> None:
        self._widths: dict[tuple[int, int], float] = {}

    def span(self, a: int, b: int) -> float:
        if (a, b) not in self._widths:
            self._widths[a, b] = self.width(" ".join(self.tokens[a:b]))
        return self._widths[a, b]

    def _line_ok(self, a: int, b: int) -> bool:
        return sum(map(_is_word, self.tokens[a:b])) >= self.min_words

    def cuts(self, start: int, lines_left: int) -> Iterator[tuple[int, ...]]:
        end = len(self.tokens)
        if lines_left == 1:
            if self.span(start, end) <= self.max_width and self._line_ok(start, end):
                yield ()
            return
        for cut in self.positions:
            if cut <= start:
                continue
            if self.span(start, cut) > self.max_width:
                break
            if not self._line_ok(start, cut) or \
                    self.span(cut, end) > (lines_left - 1) * self.max_width:
                continue
            for rest in self.cuts(cut, lines_left - 1):
                yield (cut, *rest)


def _best(tokens: Sequence[str], max_width: float, width: Callable[[str], float],
          points: _Points, level: int) -> list[str] | None:
    """The best cut at relaxation ``level`` (0 strict, 1 single syllables allowed, 2 words
    of the vocabulary may be split), or None when nothing fits."""
    positions = [i for i in points.allowed if level >= 2 or i not in points.protected]
    search = _Search(tokens, max_width, width, positions, 2 if level < 1 else 1)
    for count in range(1, min(MAX_LINES, len(positions) + 1) + 1):
        best: tuple[float, tuple[int, ...]] | None = None
        for cuts in search.cuts(0, count):
            bounds = [0, *cuts, len(tokens)]
            widths = [search.span(a, b) for a, b in itertools.pairwise(bounds)]
            cost = (max(widths) - min(widths)) / max_width
            cost -= PREFERRED_BONUS * sum(c in points.preferred for c in cuts)
            cost += AWKWARD_PENALTY * sum(c in points.awkward for c in cuts)
            if best is None or cost < best[0]:
                best = (cost, cuts)
        if best is not None:
            return _lines(tokens, best[1])
    return None


def _greedy(tokens: Sequence[str], max_width: float, width: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    for token in tokens:
        if lines and width(f"{lines[-1]} {token}") <= max_width:
            lines[-1] = f"{lines[-1]} {token}"
        else:
            lines.append(token)
    return lines


def break_segment(text: str, max_width: float, width: Callable[[str], float]) -> list[str]:
    """One segment (no explicit break) as the fewest, most balanced lines that fit."""
    tokens = text.split()
    if not tokens:
        return []
    if width(" ".join(tokens)) <= max_width or len(tokens) == 1:
        return [" ".join(tokens)]
    if len(tokens) > MAX_WORDS:
        return _greedy(tokens, max_width, width)
    points = _points(tokens, vocabulary())
    for level in range(3):
        found = _best(tokens, max_width, width, points, level)
        if found is not None:
            return found
    return _greedy(tokens, max_width, width)


def break_lines(text: str, max_width: float, width: Callable[[str], float]) -> list[str]:
    """``text`` as printed lines no wider than ``max_width`` (in the unit ``width`` returns).

    A ``\\n`` in ``text`` is the caller's own break and is always kept; a segment between two
    of them that is still too wide is broken further by the rules above. Runs of spaces become
    one; blank segments are dropped.
    """
    lines: list[str] = []
    for segment in text.split("\n"):
        lines.extend(break_segment(segment, max_width, width))
    return lines

