"""Where the signatures stand on the rendered page, found from the PDF's text positions.

Decree 30 puts the image of the signer's signature between the signer's position (the lines
above, "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC") and the signer's name; the page leaves that gap. It is
found from the PDF (pdfplumber's word positions), not from the template's CSS, so a long
position or a page break moves the signature with the text. Coordinates are PDF points with
the origin at the bottom left (pyHanko's), pages counted from 0.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pdfplumber

COLUMN_SLACK = 90.0  # points: how far left of the name a word of the position may start
ATTACHMENT_HEADS = ("DANH SÁCH", "PHỤ LỤC")


class PlacementError(ValueError):
    """The page has no gap for the signature (message in Vietnamese)."""


@dataclass(frozen=True)
class Gap:
    """The free space between the position's last line and the name, on one page."""

    page: int
    x0: float
    x1: float
    bottom: float  # of the gap (top of the name), PDF y from the page's bottom
    top: float     # of the gap (bottom of the position's last line)
    page_width: float
    page_height: float

    @property
    def center_x(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def center_y(self) -> float:
        return (self.bottom + self.top) / 2


def _name_words(words: list[dict], name: list[str]) -> list[dict] | None:
    """The last run of ``words`` spelling ``name`` on one line."""
    found = None
    for i in range(len(words) - len(name) + 1):
        run = words[i:i + len(name)]
        if [w["text"] for w in run] == name and len({round(w["top"]) for w in run}) == 1:
            found = run
    return found


@dataclass(frozen=True)
class Layout:
    """Where the signatures go: the gap, and the attachment's first page if any."""

    gap: Gap
    attachment: int | None
    attachment_size: tuple[float, float] | None


def _gap_on(page, index: int, name: list[str]) -> Gap | None:  # type: ignore[no-untyped-def]
    words = page.extract_words(keep_blank_chars=False, use_text_flow=True)
    run = _name_words(words, name) if name else None
    if run is None:
        return None
    x0, x1 = min(w["x0"] for w in run), max(w["x1"] for w in run)
    name_top = min(w["top"] for w in run)
    above = [w for w in words if w["bottom"] <= name_top
             and w["x0"] >= x0 - COLUMN_SLACK and w["x1"] <= x1 + COLUMN_SLACK]
    gap_top = max((w["bottom"] for w in above), default=name_top - 72)
    column = [w for w in above if gap_top - w["bottom"] < 1] + run
    x0 = min(x0, *(w["x0"] for w in column))
    x1 = max(x1, *(w["x1"] for w in column))
    height = float(page.height)
    return Gap(index, x0, x1, height - name_top, height - gap_top, float(page.width), height)


def _attachment(pages, after: int) -> int | None:  # type: ignore[no-untyped-def]
    for index in range(after + 1, len(pages)):
        lines = pages[index].extract_text_lines()
        if lines and lines[0]["text"].strip().upper().startswith(ATTACHMENT_HEADS):
            return index
    return None


def signature_layout(pdf: bytes, signer_name: str, *, attachment: bool = True) -> Layout:
    """The gap above the last occurrence of ``signer_name`` (the signature block) and the
    first page after it that starts an attachment (its first line a heading such as DANH
    SÁCH or PHỤ LỤC), read in one pass over the PDF.

    :raises PlacementError: the name is not printed on any page.
    """
    name = signer_name.split()
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for index in range(len(doc.pages) - 1, -1, -1):
            gap = _gap_on(doc.pages[index], index, name)
            if gap is None:
                continue
            page = _attachment(doc.pages, index) if attachment else None
            size = None if page is None else (float(doc.pages[page].width),
                                              float(doc.pages[page].height))
            return Layout(gap, page, size)
    raise PlacementError(f"Không tìm thấy tên người ký “{signer_name}” trên văn bản để đặt "
                         "chữ ký số.")


def signature_gap(pdf: bytes, signer_name: str) -> Gap:
    """The gap between the signer's position and name (see :func:`signature_layout`)."""
    return signature_layout(pdf, signer_name, attachment=False).gap
