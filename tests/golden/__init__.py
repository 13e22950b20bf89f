"""Golden extracts: what a reader sees of every sample's DOCX and PDF, pinned in text files.

Not the raw bytes (creation dates and ids differ per render) but everything visible: for a
PDF the page count and size, every text line with its position (rounded to 0.5 pt), font and
size, the drawn rules, boxes and images, and the fonts used; for a DOCX the section settings,
the styles it uses, every paragraph's text, style and formatting, tables, text boxes, headers
and footers. ``tests/test_golden.py`` compares; ``python -m tests.golden.update`` rewrites
the files on purpose (review the diff before committing it).
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pdfplumber
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length
from docx.table import Table
from docx.text.paragraph import Paragraph

from tests.conftest import ROOT, SAMPLES

GOLDEN = Path(__file__).resolve().parent
TEMPLATES = ROOT / "doc_templates"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def _half(value: float) -> str:
    """A position in pt rounded to 0.5 pt, printed without noise (``12``, ``12.5``)."""
    rounded = round(value * 2) / 2
    return f"{rounded:g}"


def _font(name: str) -> str:
    return re.sub(r"^[A-Z]{6}\+", "", name)  # the subset tag changes with the subset


# ----------------------------------------------------------------------------------- PDF

def _color(value) -> str:
    if value is None:
        return "none"
    parts = value if isinstance(value, list | tuple) else [value]
    return "/".join(f"{v:.3g}" if isinstance(v, int | float) else str(v) for v in parts)


def _paint(obj: dict) -> str:
    """How a drawn shape is painted: fill colour, stroke colour and width."""
    paint = []
    if obj.get("fill"):
        paint.append(f"fill={_color(obj.get('non_stroking_color'))}")
    if obj.get("stroke"):
        paint.append(f"stroke={_color(obj.get('stroking_color'))}@{obj.get('linewidth', 0):.3g}")
    if "srcsize" in obj:
        paint.append("pixels={}x{}".format(*obj["srcsize"]))
    return " ".join(paint)


WORD_GAP = 3  # pt between two glyphs that reads as a space (pdfplumber's x_tolerance)
COLUMN_GAP = 1.5  # em between two glyphs on one line that separates two columns


def _segments(chars: list[dict]) -> Iterator[list[dict]]:
    """The chars of one printed line, split where a wide gap separates two columns (the
    "Nơi nhận" block and the signer's title share lines but are separate texts)."""
    segment = [chars[0]]
    for prev, char in pairwise(chars):
        if char["x0"] - prev["x1"] > COLUMN_GAP * char["size"]:
            yield segment
            segment = []
        segment.append(char)
    yield segment


def _pdf_segment(chars: list[dict]) -> str:
    text, runs = "", []
    for index, char in enumerate(chars):
        if index and char["x0"] - chars[index - 1]["x1"] > WORD_GAP:
            text += " "
        text += char["text"]
        run = (f"{_font(char['fontname'])} {char['size']:.1f} "
               f"{_color(char.get('non_stroking_color'))}")
        if not runs or runs[-1] != run:
            runs.append(run)
    box = [min(c["x0"] for c in chars), min(c["top"] for c in chars),
           max(c["x1"] for c in chars), max(c["bottom"] for c in chars)]
    return f"  [{' '.join(_half(v) for v in box)}] {text!r}  ({' | '.join(runs)})"


def _pdf_graphics(page) -> list[str]:
    shapes = []
    for kind, objects in (("line", page.lines), ("rect", page.rects), ("curve", page.curves),
                          ("image", page.images)):
        for obj in objects:
            box = " ".join(_half(obj[k]) for k in ("x0", "top", "x1", "bottom"))
            shapes.append(f"  {kind} [{box}] {_paint(obj)}".rstrip())
    return sorted(shapes)


def pdf_extract(content: bytes) -> list[str]:
    out: list[str] = []
    fonts: set[str] = set()
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        out.append(f"pages: {len(pdf.pages)}")
        for number, page in enumerate(pdf.pages, 1):
            out.append(f"page {number}: {_half(page.width)} x {_half(page.height)} pt")
            for line in page.extract_text_lines(return_chars=True, strip=False):
                chars = [c for c in line["chars"] if c["text"].strip()]
                out.extend(_pdf_segment(segment) for segment in _segments(chars) if chars)
                fonts.update(_font(c["fontname"]) for c in chars)
            out.extend(_pdf_graphics(page))
    out.append("fonts: " + ", ".join(sorted(fonts)))
    return out


# ---------------------------------------------------------------------------------- DOCX

# pPr/rPr/sectPr children the extract already shows through python-docx's properties
SHOWN = {qn(f"w:{tag}") for tag in (
    "pStyle", "jc", "spacing", "ind", "keepNext", "keepLines", "pageBreakBefore",
    "widowControl", "tabs", "rPr", "sectPr", "rStyle", "b", "i", "u", "caps", "smallCaps",
    "vertAlign", "strike", "sz", "rFonts", "color", "pgSz", "pgMar", "pgNumType", "titlePg",
    "headerReference", "footerReference", "type", "tcW", "tblStyle")}


def _xml(element) -> str:
    """``tag(attr=value,...,child(...))``: an element python-docx has no property for."""
    attrs = [f"{key.split('}')[-1]}={value}" for key, value in sorted(element.attrib.items())]
    inner = [_xml(child) for child in element if isinstance(child.tag, str)]
    return f"{element.tag.split('}')[-1]}({','.join(attrs + inner)})"


def _others(properties) -> list[str]:
    if properties is None:
        return []
    return [_xml(child) for child in properties
            if isinstance(child.tag, str) and child.tag not in SHOWN]


def _length(value: Length | None) -> str | None:
    return None if value is None else f"{value.pt:g}pt"


def _run_text(r) -> str:
    parts = []
    for child in r.iterchildren():
        tag = child.tag
        if tag == qn("w:t"):
            parts.append(child.text or "")
        elif tag == qn("w:tab"):
            parts.append("\t")
        elif tag in (qn("w:br"), qn("w:cr")):
            parts.append("[page]" if child.get(qn("w:type")) == "page" else "\n")
        elif tag == qn("w:instrText"):
            parts.append("{" + (child.text or "").strip() + "}")
        elif tag == qn("w:fldChar"):
            parts.append({"begin": "{{", "end": "}}"}.get(child.get(qn("w:fldCharType")), ""))
        elif tag == qn("w:drawing"):
            parts.append("[drawing]")
    return "".join(parts)


def _run_format(run) -> str:
    font = run.font
    flags = [name for name in ("bold", "italic", "underline", "all_caps", "small_caps",
                               "superscript", "subscript", "strike")
             if getattr(font, name)]
    if font.size is not None:
        flags.append(f"{font.size.pt:g}pt")
    if font.name:
        flags.append(font.name)
    if font.color is not None and font.color.type is not None:
        flags.append(f"color={font.color.rgb}")
    element = getattr(run, "_r", None)
    flags.extend(_others(element.rPr if element is not None else None))
    return " ".join(flags)


def _paragraph_format(paragraph: Paragraph) -> str:
    fmt = paragraph.paragraph_format
    values = {
        "align": fmt.alignment.name.lower() if fmt.alignment is not None else None,
        "line": fmt.line_spacing if not isinstance(fmt.line_spacing, Length)
        else _length(fmt.line_spacing),
        "rule": fmt.line_spacing_rule.name.lower() if fmt.line_spacing_rule is not None else None,
        "before": _length(fmt.space_before), "after": _length(fmt.space_after),
        "left": _length(fmt.left_indent), "right": _length(fmt.right_indent),
        "first": _length(fmt.first_line_indent),
        "keep_next": fmt.keep_with_next, "keep_together": fmt.keep_together,
        "break_before": fmt.page_break_before, "widow": fmt.widow_control,
    }
    tabs = [f"{t.alignment.name.lower()}@{t.position.pt:g}" for t in fmt.tab_stops]
    shown = [f"{k}={v}" for k, v in values.items() if v is not None]
    if tabs:
        shown.append("tabs=" + ",".join(tabs))
    element = getattr(paragraph, "_p", None)
    shown.extend(_others(element.pPr if element is not None else None))
    return " ".join(shown)


def _paragraph(paragraph: Paragraph, indent: str) -> Iterator[str]:
    yield f"{indent}P [{paragraph.style.name}] {_paragraph_format(paragraph)}".rstrip()
    runs: list[tuple[str, str]] = []
    for run in paragraph.iter_inner_content():
        if not hasattr(run, "font"):  # a hyperlink: its runs, in order
            pairs = [(_run_format(r), _run_text(r._r)) for r in run.runs]
        else:
            pairs = [(_run_format(run), _run_text(run._r))]
        for fmt, text in pairs:
            if runs and runs[-1][0] == fmt:
                runs[-1] = (fmt, runs[-1][1] + text)
            else:
                runs.append((fmt, text))
    for fmt, text in runs:
        yield f"{indent}  {text!r} {fmt}".rstrip()
    yield from _drawings(paragraph, indent + "  ")


def _drawings(paragraph: Paragraph, indent: str) -> Iterator[str]:
    for drawing in paragraph._p.iter(qn("w:drawing")):
        for holder in drawing:
            offsets = [f"{axis}={holder.findtext(f'{WP}position{axis}/{WP}posOffset')}"
                       for axis in ("H", "V")
                       if holder.find(f"{WP}position{axis}") is not None]
            extent = holder.find(f"{WP}extent")
            size = f"{extent.get('cx')}x{extent.get('cy')}" if extent is not None else ""
            yield f"{indent}drawing {holder.tag.split('}')[1]} {' '.join(offsets)} {size}"
        for box in drawing.iter(qn("w:txbxContent")):
            yield f"{indent}text box"
            yield from _blocks(box, paragraph.part, indent + "  ")


def _table(table: Table, indent: str) -> Iterator[str]:
    grid = [col.get(qn("w:w")) for col in table._tbl.tblGrid.iter(qn("w:gridCol"))]
    align = table.alignment.name.lower() if table.alignment is not None else None
    yield " ".join([f"{indent}TABLE {len(table.rows)}x{len(table.columns)}",
                    f"grid={','.join(grid)}",
                    f"style={table.style.name if table.style is not None else None}",
                    f"align={align}", *_others(table._tbl.tblPr)])
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            yield " ".join([f"{indent}  cell {r},{c} width={_length(cell.width)}",
                            *_others(cell._tc.tcPr)])
            yield from _blocks(cell._tc, table.part, indent + "    ")


def _blocks(container, part, indent: str) -> Iterator[str]:
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            yield from _paragraph(Paragraph(child, part), indent)
        elif child.tag == qn("w:tbl"):
            yield from _table(Table(child, part), indent)


def _section(number: int, section) -> Iterator[str]:
    settings = {name: _length(getattr(section, name)) for name in (
        "page_width", "page_height", "left_margin", "right_margin", "top_margin",
        "bottom_margin", "header_distance", "footer_distance", "gutter")}
    pg_num = section._sectPr.find(qn("w:pgNumType"))
    yield (f"section {number}: orientation={section.orientation.name.lower()} "
           f"start={section.start_type.name.lower()} "
           f"title_page={section.different_first_page_header_footer} "
           f"page_numbers_from={pg_num.get(qn('w:start')) if pg_num is not None else None}")
    yield "  " + " ".join(f"{k}={v}" for k, v in settings.items())
    yield from (f"  {other}" for other in _others(section._sectPr))
    for name in ("header", "footer", "first_page_header", "first_page_footer"):
        part = getattr(section, name)
        if not part.is_linked_to_previous:
            yield f"  {name}:"
            yield from _blocks(part._element, part.part, "    ")


def _styles(document, used: set[str]) -> Iterator[str]:
    for style in document.styles:
        if style.name not in used or not hasattr(style, "font"):
            continue
        parts = [f"style [{style.name}]", _run_format(style)]
        if hasattr(style, "paragraph_format"):
            parts.append(_paragraph_format(style))
        yield " ".join(part for part in parts if part)


# settings.xml children that change per save or only the editor's view, not the page
UNSEEN_SETTINGS = {"rsids", "proofState", "zoom", "docId", "savePreviewPicture"}


def _document_settings(document) -> Iterator[str]:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        yield f"defaults {_xml(defaults)}"
    for child in document.settings.element:
        if isinstance(child.tag, str) and child.tag.split("}")[-1] not in UNSEEN_SETTINGS:
            yield f"setting {_xml(child)}"


def docx_extract(content: bytes) -> list[str]:
    document = Document(io.BytesIO(content))
    body = list(_blocks(document.element.body, document.part, ""))
    sections = [line for n, s in enumerate(document.sections, 1) for line in _section(n, s)]
    text = "\n".join(sections + body)
    used = {"Normal", *re.findall(r"^\s*P \[([^\]]+)\]", text, re.M)}
    return [*_document_settings(document), *sections, *_styles(document, used), *body]


# ------------------------------------------------------------------------------ the cases

@dataclass(frozen=True)
class Case:
    """One golden file: its name and how to render the bytes it pins."""

    name: str
    kind: str  # "pdf" or "docx": which extract to take
    render: Callable[[], bytes]

    @property
    def path(self) -> Path:
        return GOLDEN / f"{self.name}.{self.kind}.txt"

    def extract(self) -> str:
        lines = (pdf_extract if self.kind == "pdf" else docx_extract)(self.render())
        return "\n".join(lines) + "\n"


def _sample(type_id: str) -> dict:
    return json.loads((SAMPLES / f"{type_id}.json").read_text(encoding="utf-8"))


def _single(type_id: str, fmt, **changes) -> Callable[[], bytes]:
    def render() -> bytes:
        from service import registry
        from service.rendering import get_renderer, validate

        doc_type = registry.get(type_id)
        data = validate(doc_type, {**_sample(type_id), **changes})
        return get_renderer(TEMPLATES).render(doc_type, data, fmt).content

    return render


def _batch_pdf() -> bytes:
    from service import bulk, registry

    batch = _sample("certificate_batch")
    with tempfile.TemporaryDirectory() as work:
        dest = Path(work) / "batch.pdf"
        bulk.render_batch(registry.get("certificate"), batch["common"], batch["items"], "pdf",
                          dest, templates_dir=TEMPLATES, chunk_size=2)
        return dest.read_bytes()


def cases() -> list[Case]:
    """Every sample in every format; the certificate in both modes on every profile; the
    batch sample through the bulk renderer (two chunks merged into one PDF)."""
    from service import registry
    from service.doctypes import _certificate_layout as cert_layout

    found = []
    for type_id, doc_type in registry.document_types().items():
        for fmt in doc_type.formats:
            found.append(Case(type_id, fmt.value, _single(type_id, fmt)))
            if type_id != "certificate":
                continue
            for profile in cert_layout.profile_names():
                for mode in ("full", "blank"):
                    if (profile, mode) != (_sample(type_id)["profile"], _sample(type_id)["mode"]):
                        found.append(Case(f"certificate-{profile}-{mode}", fmt.value,
                                          _single(type_id, fmt, profile=profile, mode=mode)))
    found.append(Case("certificate_batch", "pdf", _batch_pdf))
    return found
