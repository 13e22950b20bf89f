"""Pure functions that turn a validated payload into what both templates print.

Everything a DOCX and a PDF template would otherwise compute twice lives here once: outline
numbering, the signer block, recipient punctuation, and the lengths of Decree 30's rule lines
(measured with the bundled font's metrics, so the line under an agency name is 1/3-1/2 of the
name's width in both formats).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from service import vn

FONT_DIR = Path(__file__).resolve().parents[2] / "doc_templates" / "html" / "assets" / "fonts"
FONT_FILES = {
    (False, False): "LiberationSerif-Regular.ttf",
    (True, False): "LiberationSerif-Bold.ttf",
    (False, True): "LiberationSerif-Italic.ttf",
    (True, True): "LiberationSerif-BoldItalic.ttf",
}
PT_TO_MM = 25.4 / 72
MM_TO_TWIPS = 1440 / 25.4

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"

# Vietnamese point letters per Decree 30: đ is used, f/j/w/z are not.
POINT_LETTERS = ["a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l", "m",
                 "n", "o", "p", "q", "r", "s", "t", "u", "v", "x", "y"]


@cache
def _metrics(bold: bool, italic: bool) -> tuple[dict[int, int], int]:
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO((FONT_DIR / FONT_FILES[(bold, italic)]).read_bytes()))
    cmap = font.getBestCmap()
    hmtx = font["hmtx"].metrics
    widths = {cp: hmtx[name][0] for cp, name in cmap.items()}
    return widths, font["head"].unitsPerEm


def text_width_mm(text: str, size_pt: float, *, bold: bool = False, italic: bool = False) -> float:
    """Width of ``text`` set in the bundled Times-compatible font (no kerning)."""
    widths, upem = _metrics(bold, italic)
    units = sum(widths.get(ord(ch), upem // 2) for ch in vn.nfc(text))
    return units / upem * size_pt * PT_TO_MM


def rule_mm(text_lines: Iterable[str], size_pt: float, column_mm: float, *,
            bold: bool = True, fraction: float = 0.4) -> float:
    """A short rule under a block: ``fraction`` of its widest line, capped by the column."""
    widest = max((text_width_mm(t, size_pt, bold=bold) for t in text_lines), default=0.0)
    return round(min(widest, column_mm) * fraction, 1)


def roman(n: int) -> str:
    """Roman numeral for section numbers (1 → I)."""
    table = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
             (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = []
    for value, letters in table:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def point_letter(index: int) -> str:
    """``a``, ``b`` … ``y`` then ``aa``, ``ab`` … for very long lists."""
    n = len(POINT_LETTERS)
    if index < n:
        return POINT_LETTERS[index]
    return POINT_LETTERS[index // n - 1] + POINT_LETTERS[index % n]


@dataclass(frozen=True)
class Block:
    """One printed paragraph of a body: ``kind`` decides its style in both templates."""

    kind: str  # section | paragraph | item | point | dash | plus
    label: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "label": self.label, "text": self.text}


ITEM_KINDS = ("item", "point", "dash", "plus")


def item_label(depth: int, index: int, parent_label: str, decimal: bool) -> str:
    """The label of an outline item at ``depth`` (1: ``1.``; 2: ``a)`` or ``1.1.``; 3: ``-``;
    4+: ``+``)."""
    if depth == 1:
        return f"{index + 1}."
    if depth == 2:
        return f"{parent_label}{index + 1}." if decimal else f"{point_letter(index)})"
    return "-" if depth == 3 else "+"


def outline_blocks(sections: Sequence[Mapping[str, Any]], *, decimal_points: bool = False,
                   upper_headings: bool = True) -> list[dict[str, str]]:
    """Flatten nested sections/items into numbered blocks (I. → 1. → a) or 1.1. → - → +)."""
    blocks: list[Block] = []

    def walk(items: Sequence[Mapping[str, Any]], depth: int, parent_label: str) -> None:
        for i, item in enumerate(items):
            label = item_label(depth, i, parent_label, decimal_points)
            blocks.append(Block(ITEM_KINDS[depth - 1], label, item["text"]))
            walk(item.get("items") or (), depth + 1, label)

    for s_index, section in enumerate(sections):
        heading = vn.upper_vn(section["heading"]) if upper_headings else section["heading"]
        # a lone section is not numbered: an "I." with no "II." is wrong at first glance
        blocks.append(Block("section", f"{roman(s_index + 1)}." if len(sections) > 1 else "",
                            heading))
        blocks.extend(Block("paragraph", "", p) for p in section.get("paragraphs") or ())
        walk(section.get("items") or (), 1, "")
    return [b.as_dict() for b in blocks]


def task_blocks(tasks: Sequence[Mapping[str, Any]], *,
                decimal_points: bool = False) -> list[dict[str, str]]:
    """A flat list of numbered tasks (1. → a) → - → +), with no section above them."""
    return outline_blocks([{"heading": "", "items": tasks}], decimal_points=decimal_points)[1:]


def with_final_mark(text: str) -> str:
    """End the content with Decree 30's ``./.`` exactly once (a mark the clerk typed, with or
    without a full stop before it, is not doubled)."""
    stripped = text.rstrip()
    while stripped.endswith("./."):
        stripped = stripped[:-3].rstrip()
    return stripped.rstrip(".") + "./."


def recipient_lines(recipients: Sequence[str], archive: str) -> list[str]:
    """``- X;`` lines, the last ``- Lưu: VT, ….``; leading dashes and final punctuation
    the clerk typed are normalised so they never double."""
    lines = []
    for r in recipients:
        text = r.strip().lstrip("-–+ ").rstrip(" ;.,")
        lines.append(f"- {text};")
    archive_text = archive.strip().rstrip(" .;")
    if archive_text.lower().startswith("lưu:"):
        archive_text = archive_text[4:].strip()
    lines.append(f"- Lưu: {archive_text}.")
    return lines


def signer_lines(signer: Mapping[str, Any], column_mm: float | None = None,
                 size_pt: float = 14) -> list[str]:
    """The capitalised authority lines above the signature (ô 7a/7b): ``TM. ỦY BAN NHÂN DÂN``,
    then ``KT. CHỦ TỊCH`` when a deputy signs for the head on behalf of the collective
    (``deputy_for``), then the position. Each is broken as an official would (the caller's own
    ``\\n`` kept, see :func:`column_lines`) to fit ``column_mm``; with no column only the
    caller's breaks are kept (the certificate fits its own box)."""
    texts = []
    if signer.get("prefix"):
        texts.append(f"{signer['prefix']} {signer['on_behalf_of']}")
    if signer.get("deputy_for"):
        texts.append(f"KT. {signer['deputy_for']}")
    texts.append(signer["position"])
    lines: list[str] = []
    for text in texts:
        if column_mm is None:
            lines.extend(vn.break_lines(vn.upper_vn(text), float("inf"), len))
        else:
            lines.extend(column_lines(text, column_mm, size_pt, bold=True))
    return lines


# Page geometry (mm): A4 portrait, margins inside Decree 30's ranges.
PAGE = {"width": 210.0, "height": 297.0, "top": 20.0, "bottom": 20.0, "left": 30.0,
        "right": 15.0}
TEXT_WIDTH_MM = PAGE["width"] - PAGE["left"] - PAGE["right"]  # 165
HEADER_LEFT_MM = 66.0   # 40 % of the text width
HEADER_RIGHT_MM = TEXT_WIDTH_MM - HEADER_LEFT_MM
SIGNER_COLUMN_MM = TEXT_WIDTH_MM * 0.55  # the signature table: Nơi nhận 45 %, signer 55 %
HEADER_PT = 12        # agency and parent lines (.d30-agency/.d30-parent, decree30_header)
SIGNER_PT = 14
# Word's default left/right cell padding (0.19 cm, the Normal Table style of the DOCX
# templates); the PDF's cells have none, so a line that fits Word's cell fits both.
CELL_PADDING_MM = 108 / MM_TO_TWIPS
FIT_SAFETY = 0.97     # room for the renderers' own rounding


def column_lines(text: str, column_mm: float, size_pt: float, *, bold: bool) -> list[str]:
    """``text`` in capitals, broken into the lines both formats print in a table column of
    ``column_mm`` (:func:`service.vn.break_lines`: the caller's ``\\n`` first, then where an
    official would break), each measured with the bundled font so neither WeasyPrint nor Word
    wraps it again."""
    usable = (column_mm - 2 * CELL_PADDING_MM) * FIT_SAFETY
    return vn.break_lines(vn.upper_vn(text), usable,
                          lambda line: text_width_mm(line, size_pt, bold=bold))


def issuer_lines(issuer: Mapping[str, Any]) -> dict[str, list[str]]:
    """The header's parent (regular) and agency (bold) lines in the left column (ô 2)."""
    parent = issuer.get("parent")
    return {
        "parent_lines": column_lines(parent, HEADER_LEFT_MM, HEADER_PT, bold=False)
        if parent else [],
        "name_lines": column_lines(issuer["name"], HEADER_LEFT_MM, HEADER_PT, bold=True),
    }


def header_layout(issuer: Mapping[str, Any], summary: str) -> dict[str, Any]:
    """Rule lengths for the header and the summary, in mm and in DOCX twips (indent each side).
    The agency's rule is measured on its widest printed line."""
    agency_rule = rule_mm(issuer_lines(issuer)["name_lines"], HEADER_PT, HEADER_LEFT_MM,
                          fraction=0.4)
    motto_rule = round(text_width_mm(TIEU_NGU, 13, bold=True), 1)
    summary_rule = rule_mm([summary], 14, TEXT_WIDTH_MM, fraction=0.35)
    summary_rule = max(summary_rule, 30.0)

    def indent(column_mm: float, rule: float) -> int:
        return max(0, round((column_mm - rule) / 2 * MM_TO_TWIPS))

    return {
        "agency_rule_mm": agency_rule,
        "motto_rule_mm": motto_rule,
        "summary_rule_mm": summary_rule,
        "agency_rule_indent": indent(HEADER_LEFT_MM, agency_rule),
        "motto_rule_indent": indent(HEADER_RIGHT_MM, motto_rule),
        "summary_rule_indent": indent(TEXT_WIDTH_MM, summary_rule),
    }
