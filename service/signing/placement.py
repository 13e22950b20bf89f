"""Where the signatures stand on the rendered page, found from the PDF's text positions.

Decree 30 puts the image of the signer's signature between the signer's position (the lines
above, "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC") and the signer's name; the page leaves that gap. It is
found from the PDF (pdfium's character positions), not from the template's CSS, so a long
position or a page break moves the signature with the text. Coordinates are PDF points with
the origin at the bottom left (pyHanko's), pages counted from 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium

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


@dataclass(frozen=True)
class Layout:
    """Where the signatures go: the gap, and the attachment's first page if any."""

    gap: Gap
    attachment: int | None
    attachment_size: tuple[float, float] | None


def _chars(textpage) -> list[tuple[str, tuple[float, float, float, float]]]:
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # pdfium made up characters: read them one by one
        text = "".join(textpage.get_text_range(i, 1)[:1] or " " for i in range(count))
    return [(text[i], textpage.get_charbox(i, loose=True)) for i in range(count)]


def _last_match(textpage, name: str) -> tuple[int, int] | None:
    searcher = textpage.search(name, match_case=True, match_whole_word=True)
    found, hit = None, searcher.get_next()
    while hit is not None:
        found, hit = hit, searcher.get_next()
    return found


def _gap_on(page, index: int, name: str) -> Gap | None:
    textpage = page.get_textpage()
    match = _last_match(textpage, name)
    if match is None:
        return None
    chars = _chars(textpage)
    run = [box for ch, box in chars[match[0]:match[0] + match[1]] if not ch.isspace()]
    x0, x1 = min(b[0] for b in run), max(b[2] for b in run)
    name_top = max(b[3] for b in run)
    above = [box for ch, box in chars if not ch.isspace() and box[1] >= name_top - 0.5
             and box[0] >= x0 - COLUMN_SLACK and box[2] <= x1 + COLUMN_SLACK]
    gap_top = min((b[1] for b in above), default=name_top + 72)
    line = [b for b in above if b[1] - gap_top < 3]
    x0, x1 = min(x0, *(b[0] for b in line)), max(x1, *(b[2] for b in line))
    width, height = page.get_size()
    return Gap(index, x0, x1, name_top, gap_top, float(width), float(height))


def _attachment(doc, after: int) -> int | None:
    for index in range(after + 1, len(doc)):
        textpage = doc[index].get_textpage()
        head = textpage.get_text_range(0, min(textpage.count_chars(), 40))
        if head.strip().upper().startswith(ATTACHMENT_HEADS):
            return index
    return None


def signature_layout(pdf: bytes, signer_name: str, *, attachment: bool = True) -> Layout:
    """The gap above the last occurrence of ``signer_name`` (the signature block) and the
    first page after it that starts an attachment (its first line a heading such as DANH
    SÁCH or PHỤ LỤC), read in one pass over the PDF (pdfium's text positions).

    :raises PlacementError: the name is not printed on any page.
    """
    name = " ".join(signer_name.split())
    doc = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(doc) - 1, -1, -1):
            gap = _gap_on(doc[index], index, name) if name else None
            if gap is None:
                continue
            page = _attachment(doc, index) if attachment else None
            size = None if page is None else tuple(float(v) for v in doc[page].get_size())
            return Layout(gap, page, size)  # type: ignore[arg-type]
    finally:
        doc.close()
    raise PlacementError(f"Không tìm thấy tên người ký “{signer_name}” trên văn bản để đặt "
                         "chữ ký số.")


def signature_gap(pdf: bytes, signer_name: str) -> Gap:
    """The gap between the signer's position and name (see :func:`signature_layout`)."""
    return signature_layout(pdf, signer_name, attachment=False).gap
