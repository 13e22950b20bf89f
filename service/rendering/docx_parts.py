"""Decree 30 building blocks for DOCX templates, written once with python-docx.

Each document type's template builder (``service/doctypes/<id>.py``) composes these pieces and
saves ``doc_templates/docx/<id>.docx``; ``python -m service build-templates`` regenerates all of
them and a test checks the committed files are what the builders produce. The templates hold
docxtpl tags (``{{ … }}``, ``{%p … %}``, ``{%tr … %}``) over the context from
:mod:`service.rendering.layout`: the same context the HTML templates read.
"""

from __future__ import annotations

from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from service.rendering.layout import (
    HEADER_LEFT_MM,
    HEADER_PT,
    HEADER_RIGHT_MM,
    MM_TO_TWIPS,
    PAGE,
    SIGNER_COLUMN_MM,
    TEXT_WIDTH_MM,
)

FONT = "Times New Roman"
BODY_PT = 14
# Every line is exactly LINE_HEIGHT × its font size high, as the stylesheet's
# ``line-height: 1.15`` makes it in the PDF: the DOCX then breaks pages where the PDF does
# (Word's and LibreOffice's "multiple" spacing would add the font's own line gap, ~14 %).
LINE_HEIGHT = 1.15
RULE_LINE_PT = 1
# Padding of bordered table cells, as the stylesheet's ``padding: 1pt 1.9mm``.
CELL_PAD_V_PT = 1
CELL_PAD_H_MM = 1.9
SECTION_BREAK_LINE_PT = 0.05
FIRST_LINE_INDENT = Cm(1.27)
HEADING_KINDS = ("section", "heading", "article")
CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
LEFT = WD_ALIGN_PARAGRAPH.LEFT


def new_document(*, landscape: bool = False) -> DocumentObject:
    """An empty A4 document: Times New Roman 14 everywhere, Decree 30 margins."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE["width"]), Mm(PAGE["height"])
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.top_margin, section.bottom_margin = Mm(PAGE["top"]), Mm(PAGE["bottom"])
    section.left_margin, section.right_margin = Mm(PAGE["left"]), Mm(PAGE["right"])
    section.header_distance = Mm(10)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    normal.element.get_or_add_rPr().append(lang)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(0)
    fmt.line_spacing = Pt(BODY_PT * LINE_HEIGHT)
    fmt.widow_control = True  # at least two lines of a paragraph on each page, as in the PDF
    # python-docx's default template starts with one empty paragraph; drop it.
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    return doc


def page_number_header(doc: DocumentObject, section_index: int = 0) -> None:
    """Page number centred in the top margin, none on the first page (Decree 30 §1.2)."""
    section = doc.sections[section_index]
    section.different_first_page_header_footer = True
    header = section.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0]
    p.alignment = CENTER
    _field(p, "PAGE", size=BODY_PT)
    section.first_page_header.is_linked_to_previous = False


def _field(p: Paragraph, instr: str, *, size: int) -> None:
    run = p.add_run()
    run.font.size = Pt(size)
    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text == instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
            run._r.append(el)
        else:
            el = OxmlElement("w:t")
            el.text = text
            run._r.append(el)


def para(container, text: str = "", *, size: int = BODY_PT, bold: bool = False,
         italic: bool = False, align=None, indent=None, space_after: int = 0,
         space_before: float = 0, keep_next: bool = False, line_spacing: float = LINE_HEIGHT
         ) -> Paragraph:
    """Add a paragraph with one run of ``text`` (which may hold docxtpl tags). Its lines are
    exactly ``line_spacing`` × ``size`` points high, like CSS ``line-height``."""
    p = container.add_paragraph()
    if text:
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold or None
        run.italic = italic or None
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    if indent is not None:
        fmt.first_line_indent = indent
    fmt.space_after, fmt.space_before = Pt(space_after), Pt(space_before)
    fmt.line_spacing = Pt(size * line_spacing)
    if keep_next:
        fmt.keep_with_next = True
    return p


def tag(container, text: str) -> Paragraph:
    """A paragraph holding only a docxtpl paragraph tag (``{%p if … %}``)."""
    p = container.add_paragraph()
    p.add_run(text)
    return p


def rule(container, indent_expr: str, *, space_after: int = 0) -> Paragraph:
    """A solid line drawn as the top border of an empty paragraph, its length set by indents
    that the context computes (``layout.*_indent``, twips each side). Its height (3 pt above,
    the 0,75 pt line, 1 pt to the paragraph and a 1 pt line) is the stylesheet's ``.rule``."""
    p = container.add_paragraph()
    ppr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(k), v)
    bdr.append(top)
    ppr.append(bdr)
    ind = OxmlElement("w:ind")
    ind.set(qn("w:left"), "{{ " + indent_expr + " }}")
    ind.set(qn("w:right"), "{{ " + indent_expr + " }}")
    ppr.append(ind)
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.space_before = Pt(3)
    p.paragraph_format.line_spacing = Pt(RULE_LINE_PT)
    spacing = ppr.find(qn("w:spacing"))
    if spacing is not None:
        ppr.remove(spacing)
        ppr.insert(0, spacing)
    run = p.add_run()
    run.font.size = Pt(1)
    return p


def keep_with_next(p: Paragraph, expr: str | None = None) -> None:
    """Keep the paragraph on the page of the next one; with ``expr``, only when that docxtpl
    expression is true (``loop.last``: the body's last paragraph stays with the signature)."""
    p.paragraph_format.keep_with_next = True
    if expr is not None:
        p._p.pPr.find(qn("w:keepNext")).set(
            qn("w:val"), "{{ 'true' if " + expr + " else 'false' }}")


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


def _clear(cell: _Cell) -> _Cell:
    for p in list(cell.paragraphs):
        p._p.getparent().remove(p._p)
    return cell


def decree30_header(doc: DocumentObject, *, with_number: bool = True) -> None:
    """Ô 1-4: agency (left) and Quốc hiệu/Tiêu ngữ (right), then the Số line and the place/date
    line on one row, so they sit level as the Decree requires."""
    rows = 2 if with_number else 1
    table = borderless_table(doc, rows, (HEADER_LEFT_MM, HEADER_RIGHT_MM))
    left, right = (_clear(c) for c in table.rows[0].cells)
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
        n_left, n_right = (_clear(c) for c in table.rows[1].cells)
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
    kinds = (
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
    left, right = (_clear(c) for c in table.rows[0].cells)
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


def save(doc: DocumentObject, path) -> None:
    """Save a template: no properties of its own (each rendering sets them) and without the
    thumbnail of python-docx's default template, which would show a stranger's page."""
    doc.core_properties.title = ""
    doc.core_properties.author = ""
    doc.core_properties.comments = ""
    package = doc.part.package
    for rel in list(package.rels.values()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rel.rId)
    doc.save(path)


# ------------------------------------------------------------------ sections, tables, runs
# Added for the emulation plan and the commendation decision's attached list.

def mixed_para(container, parts: Sequence[tuple[str, dict]], *, size: int = BODY_PT,
               align=None, indent=None, space_after: int = 0, space_before: int = 0,
               keep_next: bool = False, line_spacing: float = LINE_HEIGHT) -> Paragraph:
    """A paragraph of several runs, each ``(text, {"bold": …, "italic": …})``: e.g. a bold
    ``Điều 1.`` followed by the article's plain text."""
    p = para(container, "", size=size, align=align, indent=indent, space_after=space_after,
             space_before=space_before, keep_next=keep_next, line_spacing=line_spacing)
    for text, style in parts:
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.bold = style.get("bold") or None
        run.italic = style.get("italic") or None
    return p


def annex_section(doc: DocumentObject):
    """Start an appendix (a decision's attached list) on a new page, as its own section whose
    page numbers restart at 1 and show from its second page (Decree 30: each appendix is
    numbered separately, its first page carries no number)."""
    from docx.enum.section import WD_SECTION

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    # The paragraph that ends the previous section is as low as a line can be, so a signature
    # that ends at the foot of a page never pushes it onto an empty page of its own.
    breaker = Paragraph(doc.element.body.findall(qn("w:p"))[-1], doc._body)
    breaker.paragraph_format.space_before = breaker.paragraph_format.space_after = Pt(0)
    breaker.paragraph_format.line_spacing = Pt(SECTION_BREAK_LINE_PT)
    breaker.paragraph_format.keep_with_next = False
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "2")
    mark.append(size)
    breaker._p.pPr.insert(breaker._p.pPr.index(breaker._p.pPr.find(qn("w:sectPr"))), mark)
    page_number_header(doc, len(doc.sections) - 1)
    sect_pr = section._sectPr
    pg_num = OxmlElement("w:pgNumType")
    pg_num.set(qn("w:start"), "1")
    successor = next((sect_pr.find(qn(t)) for t in (
        "w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection",
        "w:bidi", "w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange")
        if sect_pr.find(qn(t)) is not None), None)
    if successor is not None:
        successor.addprevious(pg_num)
    else:
        sect_pr.append(pg_num)
    return section


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
    _clear(cell)
    return para(cell, text, size=size, bold=bold, italic=italic, align=align)


RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
