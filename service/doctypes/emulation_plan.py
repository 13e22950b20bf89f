"""Kế hoạch tổ chức phong trào thi đua (emulation plan) — DOMAIN.md §4.2, Mẫu 1.4.

The body is one flat list of blocks both templates print in order: the opening paragraphs;
each part ``I. HEADING``; its paragraphs; its items numbered by depth (``1.`` → ``a)`` or
``1.1.`` → ``-`` → ``+``), an item's bold title on its own line, its dash bullets and its
table; the part's tables; the closing sentence with ``./.``. Table blocks carry their column
headings, cells and widths (twips for the DOCX grid, per cent for the PDF).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docx.shared import Pt

from schemas.emulation_plan import EmulationPlanSchema
from service import vn
from service.kit import docx_parts as parts
from service.kit import layout
from service.kit.context import administrative_context, file_stem
from service.kit.plugin import DocumentType

TYPE_ABBREV = "KH"
TYPE_NAME = "KẾ HOẠCH"
TABLE_WIDTH_TW = round(layout.TEXT_WIDTH_MM * layout.MM_TO_TWIPS)


def _block(kind: str, label: str, text: str) -> dict[str, Any]:
    return {"kind": kind, "label": label, "text": text}


CELL_PADDING_MM = 2 * 1.9 + 0.8  # left and right cell margins, plus the border lines
TABLE_PT = 13


def column_weights(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    """Column widths (mm) from the content, measured with the bundled font like an automatic
    table layout: every column gets at least its longest word (headings in bold), the space
    left goes to the columns whose text would otherwise wrap most."""
    def words_mm(text: str, bold: bool) -> float:
        return max((layout.text_width_mm(w, TABLE_PT, bold=bold) for w in text.split()),
                   default=0.0)

    minimum, desired = [], []
    for j, heading in enumerate(columns):
        cells = [row[j] for row in rows]
        least = max([words_mm(heading, True)] + [words_mm(c, False) for c in cells])
        full = max([layout.text_width_mm(heading, TABLE_PT, bold=True)]
                   + [layout.text_width_mm(c, TABLE_PT) for c in cells])
        minimum.append(least + CELL_PADDING_MM)
        desired.append(max(full, least) + CELL_PADDING_MM)
    total = layout.TEXT_WIDTH_MM
    if sum(minimum) >= total:
        return minimum
    extra = [d - m for d, m in zip(desired, minimum, strict=True)]
    if sum(desired) <= total or not sum(extra):
        spare = total - sum(desired)
        return [d + spare / len(desired) for d in desired]
    room = total - sum(minimum)
    return [m + room * e / sum(extra) for m, e in zip(minimum, extra, strict=True)]


def table_block(table: Mapping[str, Any]) -> dict[str, Any]:
    """A table block: headings, rows, and widths that add up to the text width."""
    columns = list(table["columns"])
    rows = [list(r) for r in table["rows"]]
    weights = list(table.get("widths") or column_weights(columns, rows))
    total = sum(weights)
    widths = [int(TABLE_WIDTH_TW * w / total) for w in weights]
    widths[-1] += TABLE_WIDTH_TW - sum(widths)
    header = [{"text": text, "w": w, "pct": round(100 * wt / total, 2)}
              for text, w, wt in zip(columns, widths, weights, strict=True)]
    return {"kind": "table", "label": "", "text": table.get("caption") or "",
            "header": header, "rows": rows, "widths": widths}


def plan_blocks(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    decimal = data.get("point_style") == "decimal"
    blocks: list[dict[str, Any]] = [_block("paragraph", "", p) for p in data.get("opening") or ()]

    def walk(items: Sequence[Mapping[str, Any]], depth: int, parent: str) -> None:
        for i, item in enumerate(items):
            label = layout.item_label(depth, i, parent, decimal)
            if item.get("title"):
                blocks.append(_block("titled", label, item["title"]))
                if item.get("text"):
                    blocks.append(_block("paragraph", "", item["text"]))
            else:
                blocks.append(_block(layout.ITEM_KINDS[depth - 1], label, item["text"]))
            bullet_kind = "dash" if depth < 3 else "plus"
            for text in item.get("bullets") or ():
                blocks.append(_block(bullet_kind, "-" if bullet_kind == "dash" else "+", text))
            if item.get("table"):
                blocks.append(table_block(item["table"]))
            walk(item.get("items") or (), depth + 1, label)

    for index, section in enumerate(data["sections"]):
        blocks.append(_block("section", f"{layout.roman(index + 1)}.",
                             vn.upper_vn(section["heading"])))
        blocks.extend(_block("paragraph", "", p) for p in section.get("paragraphs") or ())
        walk(section.get("items") or (), 1, "")
        blocks.extend(table_block(t) for t in section.get("tables") or ())
    blocks.append(_block("paragraph", "", layout.with_final_mark(data["closing"])))
    return blocks


def build_context(data: Mapping[str, Any]) -> dict[str, Any]:
    context = administrative_context(data, type_abbrev=TYPE_ABBREV, type_name=TYPE_NAME)
    context["body"] = plan_blocks(data)
    return context


# ------------------------------------------------------------------ DOCX template

def _body_paragraph(doc, text: str, **style: Any):
    return parts.para(doc, text, align=style.pop("align", parts.JUSTIFY),
               indent=style.pop("indent", parts.FIRST_LINE_INDENT), space_after=6,
               **style)


def _table(doc) -> None:
    """The table of a ``table`` block: a repeated heading row, a row per ``b.rows`` item,
    cells looped over the block's columns."""
    table = parts.bordered_table(doc, 4, 3, grid_expr="b.widths")
    head, loop_open, body, loop_close = table.rows
    parts.row_properties(head, header=True)
    h_open, h_cell, h_close = head.cells
    parts.cell_text(h_open, "{%tc for c in b.header %}")
    parts.cell_text(h_cell, "{{ c.text }}", bold=True, align=parts.CENTER)
    parts.cell_width(h_cell, "c.w")
    parts.cell_valign(h_cell)
    parts.cell_text(h_close, "{%tc endfor %}")
    parts.cell_text(parts.keep_cells(loop_open, 1)[0], "{%tr for row in b.rows %}")
    parts.row_properties(body)
    r_open, r_cell, r_close = body.cells
    parts.cell_text(r_open, "{%tc for c in row %}")
    parts.cell_text(r_cell, "{{ c }}", align=parts.LEFT)
    parts.cell_width(r_cell, "b.widths[loop.index0]")
    parts.cell_valign(r_cell)
    parts.cell_text(r_close, "{%tc endfor %}")
    parts.cell_text(parts.keep_cells(loop_close, 1)[0], "{%tr endfor %}")


def build_docx_template(path: Path) -> None:
    doc = parts.new_document()
    parts.page_number_header(doc)
    parts.decree30_header(doc)
    parts.title_block(doc)
    parts.tag(doc, "{%p for b in body %}")
    parts.tag(doc, "{%p if b.kind in ('section', 'titled') %}")
    _body_paragraph(doc, "{{ b.label }} {{ b.text }}", bold=True, keep_next=True)
    parts.tag(doc, "{%p elif b.kind == 'paragraph' %}")
    parts.keep_with_next(_body_paragraph(doc, "{{ b.text }}"), "loop.last")
    parts.tag(doc, "{%p elif b.kind == 'table' %}")
    parts.tag(doc, "{%p if b.text %}")
    _body_paragraph(doc, "{{ b.text }}", bold=True, align=parts.CENTER, indent=Pt(0),
                    keep_next=True)
    parts.tag(doc, "{%p endif %}")
    _table(doc)
    parts.para(doc, "", size=6, space_after=0, line_spacing=1)  # the table's 6 pt margin
    parts.tag(doc, "{%p else %}")
    parts.keep_with_next(_body_paragraph(doc, "{{ b.label }} {{ b.text }}"), "loop.last")
    parts.tag(doc, "{%p endif %}")
    parts.tag(doc, "{%p endfor %}")
    parts.signature_block(doc)
    parts.save(doc, path)


DOCUMENT_TYPE = DocumentType(
    id="emulation_plan",
    title="Kế hoạch tổ chức phong trào thi đua",
    description="Kế hoạch tổ chức phong trào thi đua: mục đích, yêu cầu; nội dung, chỉ tiêu; "
                "hình thức; khen thưởng; tổ chức thực hiện; các mục đánh số nhiều cấp và bảng "
                "chỉ tiêu, tiến độ.",
    schema=EmulationPlanSchema,
    build_context=build_context,
    file_stem=lambda data: file_stem("Kế hoạch", data, TYPE_ABBREV),
    build_docx_template=build_docx_template,
    html_template="outline_document.html",  # header, title, outlined body, signature
    not_printed=("point_style",),
)
