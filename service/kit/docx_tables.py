"""Tables of the DOCX templates: borderless layout tables (header, signature) and bordered
data tables, with docxtpl-driven widths and spans."""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from service.kit.docx_paragraphs import LEFT, para
from service.kit.layout import MM_TO_TWIPS, TEXT_WIDTH_MM

# Padding of bordered table cells, as the stylesheet's ``padding: 1pt 1.9mm``.
CELL_PAD_V_PT = 1
CELL_PAD_H_MM = 1.9


def _cell_margins(table, *, top: int = 0, side: int = 0) -> None:
    """The cells' padding (twips), as the stylesheet gives it: none in the borderless header
    and signature tables, ``1pt 1.9mm`` in bordered tables."""
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for name, value in (("top", top), ("left", side), ("bottom", top), ("right", side)):
        el = OxmlElement(f"w:{name}")
        el.set(qn("w:w"), str(value))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    layout = tbl_pr.find(qn("w:tblLayout"))
    layout.addnext(mar)


def borderless_table(doc: DocumentObject, rows: int, widths_mm: Sequence[float]):
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    if tbl_pr.find(qn("w:tblLayout")) is None:  # autofit = False has usually written it
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        tbl_pr.append(layout)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    for col, width in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(width)
    _cell_margins(table)
    return table


def clear_cell(cell: _Cell) -> _Cell:
    for p in list(cell.paragraphs):
        p._p.getparent().remove(p._p)
    return cell


def bordered_table(doc: DocumentObject, rows: int, cols: int, *, width_mm: float = TEXT_WIDTH_MM,
                   grid_expr: str | None = None):
    """A table with single black borders across the text width, fixed layout. With
    ``grid_expr`` the column grid is a docxtpl loop over twips widths the context computes
    (``{% for w in <grid_expr> %}``), for tables whose columns vary with the payload."""
    table = doc.add_table(rows=rows, cols=cols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(round(width_mm * 1440 / 25.4)))
    tbl_w.set(qn("w:type"), "dxa")
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        for k, v in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"),
                     ("w:color", "000000")):
            el.set(qn(k), v)
        borders.append(el)
    layout = tbl_pr.find(qn("w:tblLayout"))  # autofit = False made it: keep the schema order
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        tbl_pr.append(layout)
    layout.addprevious(borders)
    _cell_margins(table, top=CELL_PAD_V_PT * 20, side=round(CELL_PAD_H_MM * MM_TO_TWIPS))
    if grid_expr is not None:
        grid = table._tbl.tblGrid
        for col in list(grid):
            grid.remove(col)
        col = OxmlElement("w:gridCol")
        col.set(qn("w:w"), "{{ w }}")
        grid.text = "{% for w in " + grid_expr + " %}"
        col.tail = "{% endfor %}"
        grid.append(col)
    return table


def row_properties(row, *, header: bool = False, cant_split: bool = True) -> None:
    """``w:cantSplit`` (a row never breaks across pages) and ``w:tblHeader`` (the row repeats
    at the top of every page the table continues on)."""
    tr_pr = row._tr.get_or_add_trPr()
    if cant_split:
        tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def cell_width(cell: _Cell, expr: str) -> None:
    """The cell's width as a docxtpl expression (twips)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    tc_w = tc_pr.find(qn("w:tcW"))
    if tc_w is None:
        tc_w = OxmlElement("w:tcW")
        tc_pr.insert(0, tc_w)
    tc_w.set(qn("w:w"), "{{ " + expr + " }}")
    tc_w.set(qn("w:type"), "dxa")


def cell_span(cell: _Cell, expr: str) -> None:
    """Merge the cell across a number of grid columns given by a docxtpl expression."""
    tc_pr = cell._tc.get_or_add_tcPr()
    span = OxmlElement("w:gridSpan")
    span.set(qn("w:val"), "{{ " + expr + " }}")
    tc_w = tc_pr.find(qn("w:tcW"))
    if tc_w is not None:
        tc_w.addnext(span)
    else:
        tc_pr.insert(0, span)


def cell_valign(cell: _Cell, value: str = "center") -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    v = OxmlElement("w:vAlign")
    v.set(qn("w:val"), value)
    tc_pr.append(v)


def keep_cells(row, count: int) -> list[_Cell]:
    """Drop all but the first ``count`` cells of a freshly made row; return those kept."""
    tcs = row._tr.tc_lst
    for tc in tcs[count:]:
        row._tr.remove(tc)
    return [_Cell(tc, row._parent) for tc in row._tr.tc_lst]


def cell_text(cell: _Cell, text: str, *, size: int = 13, bold: bool = False,
              italic: bool = False, align=LEFT) -> Paragraph:
    """Replace a cell's content with one paragraph (no indent, no spacing)."""
    clear_cell(cell)
    return para(cell, text, size=size, bold=bold, italic=italic, align=align)
