"""Emblem images checked for what drawing them will cost, and drawn once at validation.

An SVG WeasyPrint cannot draw used to be dropped from the PDF without a word (200) while
WeasyPrint logged the whole data URL; an SVG of 18.000 shapes took 11 s to draw under the
renderer's per-process lock. Here an SVG is refused (422 at the field) when it has more than
:data:`MAX_SVG_ELEMENTS` elements, nests deeper than :data:`MAX_SVG_DEPTH`, or carries more
than :data:`MAX_SVG_POINTS` path/polygon coordinates; then it is drawn once by WeasyPrint's
own SVG code onto a throw-away PDF stream (cached by content), so an image it cannot draw is
refused before any render. Rasters are refused beyond :data:`MAX_RASTER_PIXELS`.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from typing import Any

MAX_SVG_ELEMENTS = 2000
MAX_SVG_DEPTH = 32
MAX_SVG_POINTS = 50_000       # numbers in d/points attributes, all elements together
MAX_RASTER_PIXELS = 4_000_000  # 2000 × 2000: far more than an emblem printed a few cm wide
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_draw_lock = threading.Lock()


def svg_complexity_error(root: Any) -> str | None:
    """A Vietnamese message when the parsed SVG is too complex to draw quickly, else None."""
    elements = points = 0
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        elements += 1
        if depth > MAX_SVG_DEPTH:
            return (f"Ảnh SVG lồng nhau quá sâu (hơn {MAX_SVG_DEPTH} cấp); hãy làm phẳng ảnh "
                    "(gộp nhóm) rồi tải lại.")
        for name in ("d", "points"):
            value = element.get(name)
            if value:
                points += len(_NUMBER.findall(value))
        stack.extend((child, depth + 1) for child in element)
    if elements > MAX_SVG_ELEMENTS:
        return (f"Ảnh SVG quá phức tạp: {elements} phần tử (tối đa {MAX_SVG_ELEMENTS}); hãy "
                "đơn giản hóa ảnh hoặc dùng ảnh PNG.")
    if points > MAX_SVG_POINTS:
        return (f"Ảnh SVG quá phức tạp: {points} tọa độ điểm (tối đa {MAX_SVG_POINTS}); hãy "
                "đơn giản hóa ảnh hoặc dùng ảnh PNG.")
    return None


def raster_complexity_error(width: int, height: int) -> str | None:
    if width * height > MAX_RASTER_PIXELS:
        return (f"Ảnh quá nhiều điểm ảnh ({width}×{height}; tối đa "
                f"{MAX_RASTER_PIXELS // 1_000_000} MP); hãy thu nhỏ ảnh rồi tải lại.")
    return None


def svg_draws(raw: bytes) -> bool:
    """Whether WeasyPrint's SVG code draws ``raw`` without an error (cached by content)."""
    return _svg_draws(hashlib.sha256(raw).hexdigest(), raw)


@functools.lru_cache(maxsize=64)
def _svg_draws(_digest: str, raw: bytes) -> bool:
    try:
        _draw_once(raw)
    except Exception:
        return False
    return True


def _refuse_every_url(url: str, *args: Any, **kwargs: Any):
    raise ValueError("no resources for emblems")


def _draw_once(raw: bytes) -> None:
    import pydyf
    from defusedxml import ElementTree
    from weasyprint.pdf.stream import Stream
    from weasyprint.svg import SVG

    tree = ElementTree.fromstring(raw)
    resources = {name: pydyf.Dictionary() for name in
                 ("ExtGState", "XObject", "Pattern", "Shading", "Font", "ColorSpace")}
    with _draw_lock:  # one font configuration, shared by the checks of this process
        svg = SVG(tree, "", _font_config(), _refuse_every_url)
        stream = Stream({}, (0, 0, 200, 200), resources, {}, {}, {}, None)
        svg.draw(stream, 200, 200, "", None)


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()
