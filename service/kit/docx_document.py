"""The DOCX document of a template: page setup and fonts, page-number header, appendix
sections, and saving without stray properties."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from service.kit.docx_paragraphs import BODY_PT, CENTER, LINE_HEIGHT, SECTION_BREAK_LINE_PT
from service.kit.layout import PAGE

FONT = "Times New Roman"


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
    buffer = io.BytesIO()
    doc.save(buffer)
    target = Path(path)
    if target.is_file() and _same_parts(target.read_bytes(), buffer.getvalue()):
        return  # rebuilding an unchanged template leaves the committed file as it is
    target.write_bytes(buffer.getvalue())


def _same_parts(old: bytes, new: bytes) -> bool:
    """Whether two packages hold the same parts with the same bytes (ZIP dates aside)."""
    try:
        with zipfile.ZipFile(io.BytesIO(old)) as a, zipfile.ZipFile(io.BytesIO(new)) as b:
            names = [i.filename for i in a.infolist()]
            return names == [i.filename for i in b.infolist()] and all(
                a.read(n) == b.read(n) for n in names)
    except zipfile.BadZipFile:
        return False


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
    ppr = breaker._p.get_or_add_pPr()
    ppr.insert(ppr.index(ppr.find(qn("w:sectPr"))), mark)
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
