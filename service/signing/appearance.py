"""Decree 30's look of the signatures (Appendix I, part II; doc_templates/README.md has each
rule with its source): the boxes on the page and pyHanko's stamp styles that draw them.

* the signer's signature: the image of their handwritten signature (blue, transparent PNG),
  centred in the gap between the position and the name;
* the agency's signature: the seal image (red, transparent PNG, the seal's real size) over
  the left third of the signer's signature image, with the agency's name and the signing
  time (ISO 8601, Việt Nam's time zone) in Times New Roman, upright, 10 pt, blue;
* an attachment (a list starting on its own page): the agency's signature information
  (number and symbol, signing time) at the top right of its first page, no image.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp import StaticStampStyle, TextStampStyle

from service.config import PROJECT_ROOT
from service.signing.placement import Gap

MM = 72 / 25.4
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Times New Roman's metrics with Vietnamese: the font the documents are rendered with
FONT = PROJECT_ROOT / "doc_templates" / "html" / "assets" / "fonts" / "LiberationSerif-Regular.ttf"
MARGIN_MM = 20.0  # right margin of the page (Decree 30: 15-20 mm) for the attachment's info
TOP_MM = 10.0     # the attachment's info below the top edge

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Look:
    """What the settings say about the appearance (service/config.py ``SIGNING_*``)."""

    seal_image: str = ""
    seal_mm: float = 36.0
    signature_width_mm: float = 40.0
    info_color: tuple[float, float, float] = (0.0, 0.0, 1.0)
    info_pt: int = 10
    attachment_info: bool = True

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Look:
        color = str(settings.get("SIGNING_INFO_COLOR", "#0000FF"))
        rgb = tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
        return cls(str(settings.get("SIGNING_SEAL_IMAGE", "") or ""),
                   float(settings.get("SIGNING_SEAL_MM", 36.0)),
                   float(settings.get("SIGNING_SIGNATURE_WIDTH_MM", 40.0)),
                   rgb,  # type: ignore[arg-type]
                   int(settings.get("SIGNING_INFO_PT", 10)),
                   bool(settings.get("SIGNING_ATTACHMENT_INFO", True)))


def signing_time(now: datetime | None = None) -> str:
    """ISO 8601 in Việt Nam's time zone, to the second: 2026-12-07T14:05:09+07:00."""
    return (now or datetime.now(VIETNAM)).astimezone(VIETNAM).isoformat(timespec="seconds")


def _image(path: str | Path) -> Image.Image:
    with Image.open(path) as img:
        return img.convert("RGBA")


def person_box(gap: Gap, image_size: tuple[int, int], width_mm: float) -> Box:
    """The signer's image: ``width_mm`` wide (less when the gap is lower than the image),
    centred in the gap."""
    w_px, h_px = image_size
    width = width_mm * MM
    height = width * h_px / w_px
    if height > gap.top - gap.bottom:
        height = gap.top - gap.bottom
        width = height * w_px / h_px
    x, y = gap.center_x - width / 2, gap.center_y - height / 2
    return round(x), round(y), round(x + width), round(y + height)


def _info_size(lines: list[str], pt: int) -> tuple[float, float]:
    return max(len(line) for line in lines) * pt * 0.5 + 4, len(lines) * pt * 1.25 + 4


def agency_box(gap: Gap, person: Box | None, seal_mm: float, lines: list[str],
               pt: int) -> Box:
    """The seal over the left third of the signer's image (of the gap's centre when there
    is none), vertically centred on the gap; the information under it."""
    seal = seal_mm * MM
    text_w, text_h = _info_size(lines, pt)
    seal_right = gap.center_x if person is None else person[0] + (person[2] - person[0]) / 3
    x0 = seal_right - seal
    top = gap.center_y + seal / 2
    return round(x0), round(top - seal - text_h), round(x0 + max(seal, text_w)), round(top)


def attachment_box(page_width: float, page_height: float, lines: list[str], pt: int) -> Box:
    """Top right of the attachment's first page, inside the right margin."""
    text_w, text_h = _info_size(lines, pt)
    x1 = page_width - MARGIN_MM * MM
    y1 = page_height - TOP_MM * MM
    return round(x1 - text_w), round(y1 - text_h), round(x1), round(y1)


def person_style(image_path: str | Path, box: Box) -> StaticStampStyle:
    """The signer's image filling ``box`` (whose proportions are the image's)."""
    size = layout.BoxConstraints(width=box[2] - box[0], height=box[3] - box[1])
    return StaticStampStyle(
        background=PdfImage(_image(image_path), box=size), border_width=0,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0)))


# what the signature information can print: Latin with Vietnamese letters, digits, punctuation
INFO_CHARS = [*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x300, 0x370),
              *range(0x1EA0, 0x1F00), *range(0x2010, 0x2070)]


@functools.cache
def _font_bytes(path: str) -> bytes:
    """The font cut to :data:`INFO_CHARS` (pyHanko parses and subsets it for every
    signature: the whole font made that a quarter of a second) and scaled to 1000 units per
    em: pyHanko 0.38 writes the glyph widths in the font's own units, which PDF readers take
    as thousandths of an em (Liberation has 2048: letters stood twice as far apart)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(path)
    cutter = subset.Subsetter(subset.Options(layout_features=["*"], name_IDs=["*"],
                                             notdef_outline=True, glyph_names=True))
    cutter.populate(unicodes=INFO_CHARS)
    cutter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class _Font(GlyphAccumulatorFactory):
    """pyHanko's font factory reading the font from memory (its own leaves a file open)."""

    def create_font_engine(self, writer: BasePdfFileWriter,
                           obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(_font_bytes(
            self.font_file)), font_size=self.font_size, obj_stream=obj_stream)


def _text_style(look: Look) -> TextBoxStyle:
    return TextBoxStyle(font=_Font(str(FONT)), font_size=look.info_pt,
                        text_color=look.info_color)


def agency_style(look: Look) -> TextStampStyle:
    """The seal image at the top left of the box, the information under it."""
    background = None
    if look.seal_image:
        seal = look.seal_mm * MM
        background = PdfImage(_image(look.seal_image),
                              box=layout.BoxConstraints(width=seal, height=seal))
    return TextStampStyle(
        stamp_text="%(info)s", text_box_style=_text_style(look), border_width=0,
        background=background, background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.NO_SCALING))


def info_style(look: Look) -> TextStampStyle:
    """The attachment's information: text only (Decree 30: no image)."""
    return TextStampStyle(
        stamp_text="%(info)s", text_box_style=_text_style(look), border_width=0,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.NO_SCALING))
