"""Measuring and fitting certificate text with the bundled font's metrics.

Each text is broken into lines and sized here, so the PDF (WeasyPrint), the DOCX (Word frames)
and the bulk renderer print the same lines at the same size; a text that cannot fit its box
even at the box's smallest size is reported (:class:`OverflowError` from :func:`fit_box`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from service import vn
from service.kit import layout as d30

PT_TO_MM = 25.4 / 72
WIDTH_SAFETY = 0.97   # lines are filled to 97 % of a box: room for renderer differences
SIZE_STEP = 0.5


@cache
def _widths(bold: bool, italic: bool) -> tuple[dict[str, float], float]:
    """Advance width of every character in em, and the fallback width."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO((d30.FONT_DIR / d30.FONT_FILES[(bold, italic)]).read_bytes()))
    upem = font["head"].unitsPerEm
    hmtx = font["hmtx"].metrics
    widths = {chr(cp): hmtx[glyph][0] / upem for cp, glyph in font.getBestCmap().items()}
    return widths, 0.5


def width_em(text: str, bold: bool, italic: bool) -> float:
    widths, fallback = _widths(bold, italic)
    get = widths.get
    return sum(get(ch, fallback) for ch in text)


def wrap(text: str, max_em: float, bold: bool, italic: bool) -> list[str]:
    """Greedy line breaking at spaces; a word wider than a line is cut between characters."""
    widths, fallback = _widths(bold, italic)
    space = widths.get(" ", 0.25)
    lines: list[str] = []
    current: list[str] = []
    current_w = 0.0
    for word in text.split():
        w = sum(widths.get(ch, fallback) for ch in word)
        if w > max_em:  # an unbreakable run (a long code): cut it
            if current:
                lines.append(" ".join(current))
                current, current_w = [], 0.0
            piece, piece_w = "", 0.0
            for ch in word:
                cw = widths.get(ch, fallback)
                if piece and piece_w + cw > max_em:
                    lines.append(piece)
                    piece, piece_w = "", 0.0
                piece += ch
                piece_w += cw
            current, current_w = [piece], piece_w
            continue
        extra = w + (space if current else 0.0)
        if current and current_w + extra > max_em:
            lines.append(" ".join(current))
            current, current_w = [word], w
        else:
            current.append(word)
            current_w += extra
    if current:
        lines.append(" ".join(current))
    return lines


def break_balanced(text: str, max_em: float, bold: bool, italic: bool) -> list[str]:
    """Lines of a name or title as an official breaks them (:func:`service.vn.break_lines`:
    the caller's ``\\n`` kept, never inside a two-syllable word, balanced)."""
    return vn.break_lines(text, max_em, lambda line: width_em(line, bold, italic))


def fit_box(box: Mapping[str, Any], text: str, line_height: float, *,
            balanced: bool = False) -> tuple[float, list[str]]:
    """The largest size (down to ``min_size``) at which ``text`` fits the box, and its lines
    (``balanced``: broken by :func:`break_balanced`, else filled greedily).

    :raises OverflowError: it does not fit even at ``min_size``.
    """
    size, lines = _fit(float(box["w"]), float(box["h"]), float(box["size"]),
                       float(box["min_size"]), int(box["lines"]), bool(box["bold"]),
                       bool(box["italic"]), text, float(line_height), balanced)
    if size is None:
        raise OverflowError(box)
    return size, list(lines)


@lru_cache(maxsize=8192)  # a batch repeats its common texts on every row
def _fit(w: float, h: float, size: float, floor: float, max_lines: int, bold: bool,
         italic: bool, text: str, line_height: float,
         balanced: bool = False) -> tuple[float | None, tuple[str, ...]]:
    usable_mm = w * WIDTH_SAFETY
    breaker = break_balanced if balanced else wrap
    while True:
        max_em = usable_mm / (size * PT_TO_MM)
        lines = breaker(text, max_em, bold, italic)
        height = len(lines) * size * line_height * PT_TO_MM
        if len(lines) <= max_lines and height <= h + 0.01:
            return size, tuple(lines)
        if size - SIZE_STEP < floor - 1e-9:
            return None, ()
        size = round(size - SIZE_STEP, 2)
