"""Paragraphs of the DOCX templates: text runs with exact line heights (as the stylesheet's
``line-height``), docxtpl tag paragraphs, drawn rules, keep-with-next."""

from __future__ import annotations

from collections.abc import Sequence

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

BODY_PT = 14
# Every line is exactly LINE_HEIGHT × its font size high, as the stylesheet's
# ``line-height: 1.15`` makes it in the PDF: the DOCX then breaks pages where the PDF does
# (Word's and LibreOffice's "multiple" spacing would add the font's own line gap, ~14 %).
LINE_HEIGHT = 1.15
RULE_LINE_PT = 1
SECTION_BREAK_LINE_PT = 0.05
FIRST_LINE_INDENT = Cm(1.27)
HEADING_KINDS = ("section", "heading", "article")
CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
LEFT = WD_ALIGN_PARAGRAPH.LEFT
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT


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
        p._p.get_or_add_pPr().find(qn("w:keepNext")).set(
            qn("w:val"), "{{ 'true' if " + expr + " else 'false' }}")


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
