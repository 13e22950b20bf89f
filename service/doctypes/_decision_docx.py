"""The decision's DOCX template, built with python-docx (``make templates`` writes it):
the body's paragraphs by block kind, then the attached list as its own section whose table
repeats its heading row and never splits a row."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.kit import docx_parts as parts

LIST_PT = 13  # the list's text size (pt)


def _body(doc) -> None:
    """The decision's body: one template paragraph per block kind."""
    common: dict[str, Any] = {"space_after": 6}
    parts.tag(doc, "{%p for b in body %}")
    parts.tag(doc, "{%p if b.kind == 'authority' %}")
    parts.para(doc, "{{ b.text }}", bold=True, align=parts.CENTER, space_before=6,
               keep_next=True, **common)
    parts.tag(doc, "{%p elif b.kind == 'basis' %}")
    parts.para(doc, "{{ b.text }}", italic=True, align=parts.JUSTIFY,
               indent=parts.FIRST_LINE_INDENT, **common)
    parts.tag(doc, "{%p elif b.kind == 'decides' %}")
    parts.para(doc, "{{ b.text }}", bold=True, align=parts.CENTER, keep_next=True, **common)
    parts.tag(doc, "{%p elif b.kind == 'clause' %}")
    clause = parts.mixed_para(doc, [("{{ b.label }}", {"bold": True}), (" {{ b.text }}", {})],
                              align=parts.JUSTIFY, indent=parts.FIRST_LINE_INDENT, **common)
    parts.keep_with_next(clause, "loop.last")  # the end of the body goes with the signature
    parts.tag(doc, "{%p else %}")
    last = parts.para(doc, "{{ b.text }}", align=parts.JUSTIFY, indent=parts.FIRST_LINE_INDENT,
                      **common)
    parts.keep_with_next(last, "loop.last")
    parts.tag(doc, "{%p endif %}")
    parts.tag(doc, "{%p endfor %}")


def _optional_cells(cells, column: str, condition: str, text: str, *, bold: bool = False,
                    align=parts.LEFT) -> None:
    """Three template cells that print one cell only when ``condition`` holds."""
    opening, cell, closing = cells
    parts.cell_text(opening, "{%tc if " + condition + " %}")
    parts.cell_text(cell, text, size=LIST_PT, bold=bold, align=align)
    parts.cell_width(cell, f"annex.w.{column}")
    parts.cell_valign(cell)
    parts.cell_text(closing, "{%tc endif %}")


def _list_row(row, texts: Sequence[tuple[str, str, Any]], *, bold: bool = False) -> None:
    """A row of the list: STT, name, detail always; award and amount cells when shown."""
    cells = row.cells
    for cell, (column, text, align) in zip(cells[:3], texts[:3], strict=True):
        parts.cell_text(cell, text, size=LIST_PT, bold=bold, align=align)
        parts.cell_width(cell, f"annex.w.{column}")
        parts.cell_valign(cell)
    _optional_cells(cells[3:6], "award", "annex.show_award", texts[3][1], bold=bold,
                    align=texts[3][2])
    _optional_cells(cells[6:9], "amount", "annex.show_amount", texts[4][1], bold=bold,
                    align=texts[4][2])


def _tag_row(row, text: str) -> None:
    parts.cell_text(parts.keep_cells(row, 1)[0], text)


def _span_row(row, label: str, *, amount: str | None = None, bold: bool = True) -> None:
    """A row with one cell across the table (group heading), or a label across all but the
    last column followed by an amount (totals)."""
    cells = parts.keep_cells(row, 1 if amount is None else 2)
    parts.cell_text(cells[0], label, size=LIST_PT, bold=bold,
                    align=parts.LEFT if amount is None else parts.CENTER)
    parts.cell_span(cells[0], "annex.span" if amount is None else "annex.label_span")
    parts.cell_valign(cells[0])
    if amount is not None:
        parts.cell_text(cells[1], amount, size=LIST_PT, bold=bold, align=parts.RIGHT)
        parts.cell_width(cells[1], "annex.w.amount")
        parts.cell_valign(cells[1])
    parts.row_properties(row)


def _list_table(doc) -> None:
    table = parts.bordered_table(doc, 15, 9, grid_expr="annex.grid")
    rows = table.rows
    C, L, R = parts.CENTER, parts.LEFT, parts.RIGHT
    _list_row(rows[0], [("no", "{{ annex.headings.no }}", C),
                        ("name", "{{ annex.headings.name }}", C),
                        ("detail", "{{ annex.headings.detail }}", C),
                        ("award", "{{ annex.headings.award }}", C),
                        ("amount", "{{ annex.headings.amount }}", C)], bold=True)
    parts.row_properties(rows[0], header=True)
    _tag_row(rows[1], "{%tr for g in annex.groups %}")
    _tag_row(rows[2], "{%tr if g.heading %}")
    _span_row(rows[3], "{{ g.heading }}")
    _tag_row(rows[4], "{%tr endif %}")
    _tag_row(rows[5], "{%tr for e in g.rows %}")
    _list_row(rows[6], [("no", "{{ e.no }}", C), ("name", "{{ e.name }}", L),
                        ("detail", "{{ e.detail }}", L), ("award", "{{ e.award }}", L),
                        ("amount", "{{ e.amount }}", R)])
    parts.row_properties(rows[6])
    _tag_row(rows[7], "{%tr endfor %}")
    _tag_row(rows[8], "{%tr if g.total_label %}")
    _span_row(rows[9], "{{ g.total_label }}", amount="{{ g.total }}")
    _tag_row(rows[10], "{%tr endif %}")
    _tag_row(rows[11], "{%tr endfor %}")
    _tag_row(rows[12], "{%tr if annex.total %}")
    _span_row(rows[13], "Tổng cộng", amount="{{ annex.total }}")
    _tag_row(rows[14], "{%tr endif %}")


def build_docx_template(path: Path) -> None:
    doc = parts.new_document()
    parts.page_number_header(doc)
    parts.decree30_header(doc)
    parts.title_block(doc)
    _body(doc)
    parts.signature_block(doc)

    parts.annex_section(doc)
    parts.tag(doc, "{%p if annex.with_header %}")
    parts.decree30_header(doc, with_number=False)
    parts.para(doc, "", size=6)
    parts.tag(doc, "{%p endif %}")
    parts.para(doc, "{{ annex.heading }}", bold=True, align=parts.CENTER, keep_next=True)
    parts.para(doc, "{{ annex.title }}", bold=True, align=parts.CENTER, keep_next=True)
    parts.para(doc, "{{ annex.reference }}", italic=True, align=parts.CENTER, keep_next=True)
    parts.rule(doc, "annex.rule_indent", space_after=6)
    _list_table(doc)
    parts.tag(doc, "{%p for line in annex.summary %}")
    parts.para(doc, "{{ line }}", align=parts.JUSTIFY, indent=parts.FIRST_LINE_INDENT,
               space_before=6)
    parts.tag(doc, "{%p endfor %}")
    parts.para(doc, "{{ annex.count_line }}", italic=True, align=parts.RIGHT, space_before=6)
    parts.save(doc, path)
