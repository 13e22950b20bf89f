"""Decree 30 building blocks for DOCX templates, written once with python-docx.

Each document type's template builder (``service/doctypes/<id>.py``) composes these pieces and
saves ``doc_templates/docx/<id>.docx``; ``python -m service build-templates`` regenerates all of
them and a test checks the committed files are what the builders produce. The templates hold
docxtpl tags (``{{ … }}``, ``{%p … %}``, ``{%tr … %}``) over the context from
:mod:`service.kit.layout`: the same context the HTML templates read.

The pieces, by what they build: :mod:`~service.kit.docx_document` (the document, page
numbers, appendix sections, saving), :mod:`~service.kit.docx_paragraphs` (paragraphs,
tags, rules), :mod:`~service.kit.docx_tables` (layout and data tables) and
:mod:`~service.kit.docx_blocks` (the Decree 30 header, title, body and signature). The
builders import them all from here.
"""

from __future__ import annotations

from service.kit.docx_blocks import (
    body_blocks,
    decree30_header,
    signature_block,
    title_block,
)
from service.kit.docx_document import (
    FONT,
    annex_section,
    new_document,
    page_number_header,
    save,
)
from service.kit.docx_paragraphs import (
    BODY_PT,
    CENTER,
    FIRST_LINE_INDENT,
    HEADING_KINDS,
    JUSTIFY,
    LEFT,
    LINE_HEIGHT,
    RIGHT,
    RULE_LINE_PT,
    SECTION_BREAK_LINE_PT,
    keep_with_next,
    mixed_para,
    para,
    rule,
    tag,
)
from service.kit.docx_tables import (
    CELL_PAD_H_MM,
    CELL_PAD_V_PT,
    bordered_table,
    borderless_table,
    cell_span,
    cell_text,
    cell_valign,
    cell_width,
    clear_cell,
    keep_cells,
    row_properties,
)

__all__ = ["BODY_PT", "CELL_PAD_H_MM", "CELL_PAD_V_PT", "CENTER", "FIRST_LINE_INDENT", "FONT",
           "HEADING_KINDS", "JUSTIFY", "LEFT", "LINE_HEIGHT", "RIGHT", "RULE_LINE_PT",
           "SECTION_BREAK_LINE_PT", "annex_section", "body_blocks", "bordered_table",
           "borderless_table", "cell_span", "cell_text", "cell_valign", "cell_width", "clear_cell",
           "decree30_header", "keep_cells", "keep_with_next", "mixed_para", "new_document",
           "page_number_header", "para", "row_properties", "rule", "save", "signature_block",
           "tag", "title_block"]
