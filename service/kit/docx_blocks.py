"""The Decree 30 blocks every template shares: the header (ô 1-4), the title (ô 5a), the
body (ô 6) and the signature with Nơi nhận (ô 7, 9b)."""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocumentObject

from service.kit.docx_paragraphs import (
    CENTER,
    FIRST_LINE_INDENT,
    HEADING_KINDS,
    JUSTIFY,
    keep_with_next,
    para,
    rule,
    tag,
)
from service.kit.docx_tables import borderless_table, clear_cell, row_properties
from service.kit.layout import (
    HEADER_LEFT_MM,
    HEADER_PT,
    HEADER_RIGHT_MM,
    SIGNER_COLUMN_MM,
    TEXT_WIDTH_MM,
)


def decree30_header(doc: DocumentObject, *, with_number: bool = True) -> None:
    """Ô 1-4: agency (left) and Quốc hiệu/Tiêu ngữ (right), then the Số line and the place/date
    line on one row, so they sit level as the Decree requires."""
    rows = 2 if with_number else 1
    table = borderless_table(doc, rows, (HEADER_LEFT_MM, HEADER_RIGHT_MM))
    left, right = (clear_cell(c) for c in table.rows[0].cells)
    # one paragraph per line broken by the context (layout.issuer_lines), as in the PDF
    tag(left, "{%p for line in issuer.parent_lines %}")
    para(left, "{{ line }}", size=HEADER_PT, align=CENTER)
    tag(left, "{%p endfor %}")
    tag(left, "{%p for line in issuer.name_lines %}")
    para(left, "{{ line }}", size=HEADER_PT, bold=True, align=CENTER)
    tag(left, "{%p endfor %}")
    rule(left, "layout.agency_rule_indent")
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, align=CENTER)
    para(right, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True, align=CENTER)
    rule(right, "layout.motto_rule_indent")
    if with_number:
        n_left, n_right = (clear_cell(c) for c in table.rows[1].cells)
        para(n_left, "{{ number|vn_number_line(symbol) }}", size=13, align=CENTER,
             space_before=4)
        para(n_right, "{{ date|vn_place_date(place, year) }}", size=13, italic=True,
             align=CENTER, space_before=4)


def title_block(doc: DocumentObject, type_name_expr: str = "type_name") -> None:
    """Ô 5a: the document type name, the summary and the short rule under them."""
    para(doc, "{{ " + type_name_expr + " }}", size=14, bold=True, align=CENTER, space_before=18,
         keep_next=True)
    para(doc, "{{ summary }}", size=14, bold=True, align=CENTER, keep_next=True)
    rule(doc, "layout.summary_rule_indent", space_after=6)


def body_blocks(doc: DocumentObject, loop_var: str = "body") -> None:
    """Ô 6: the flattened body. One template paragraph per block kind, chosen by ``b.kind``.
    Headings keep with what follows; the last paragraph keeps with the signature, so the
    signature page always carries the end of the body (the stylesheet does the same)."""
    tag(doc, "{%p for b in " + loop_var + " %}")
    kinds: tuple[tuple[str, dict[str, Any], str], ...] = (
        ("section", {"bold": True}, "{% if b.label %}{{ b.label }} {% endif %}{{ b.text }}"),
        ("heading", {"bold": True, "align": CENTER}, "{{ b.text }}"),
        ("article", {"bold": True}, "{{ b.label }} {{ b.text }}"),
        ("paragraph", {}, "{{ b.text }}"),
        ("italic", {"italic": True}, "{{ b.text }}"),
    )
    first = True
    for kind, style, text in kinds:
        tag(doc, ("{%p if" if first else "{%p elif") + f" b.kind == '{kind}' %}}")
        first = False
        p = para(doc, text, align=style.pop("align", JUSTIFY), indent=FIRST_LINE_INDENT,
                 space_after=6, keep_next=kind in HEADING_KINDS, **style)
        if kind not in HEADING_KINDS:
            keep_with_next(p, "loop.last")
    tag(doc, "{%p else %}")
    p = para(doc, "{{ b.label }} {{ b.text }}", align=JUSTIFY, indent=FIRST_LINE_INDENT,
             space_after=6)
    keep_with_next(p, "loop.last")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")


def signature_block(doc: DocumentObject) -> None:
    """Ô 7 and 9b: Nơi nhận on the left, the signer on the right, one borderless table whose
    row never splits (the signer's position and name always on one page)."""
    table = borderless_table(doc, 1, (TEXT_WIDTH_MM - SIGNER_COLUMN_MM, SIGNER_COLUMN_MM))
    row_properties(table.rows[0])
    left, right = (clear_cell(c) for c in table.rows[0].cells)
    para(left, "Nơi nhận:", size=12, bold=True, italic=True)
    tag(left, "{%p for line in recipient_lines %}")
    para(left, "{{ line }}", size=11)
    tag(left, "{%p endfor %}")
    tag(right, "{%p for line in signer_lines %}")
    para(right, "{{ line }}", size=14, bold=True, align=CENTER)
    tag(right, "{%p endfor %}")
    for _ in range(4):
        para(right, "", size=14)
    para(right, "{{ signer_name }}", size=14, bold=True, align=CENTER)
