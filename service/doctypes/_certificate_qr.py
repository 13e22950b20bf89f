"""The verification QR on a certificate (issue 15): where a certificate carries a
``verification_code`` (and its profile or payload does not turn the QR off), the page gets a
QR code holding ``THIDUA_PUBLIC_URL`` + ``/xac-minh/<code>`` and the code in small text below.

The PDF draws the QR as vector (an SVG path, one ``h``/``v`` run per dark stretch of a row);
the DOCX gets it as a PNG image at the same place (:func:`png`). The matrix is segno's (pure
Python). No code, no QR: the samples and their golden files do not change.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from typing import Any

import segno

BORDER = 2            # quiet zone in modules (QR asks for 4; the white page around adds more)
A4_WIDTH_MM = 297.0
SIZE_MM = 20.0        # the QR's side on an A4 sheet (scaled with the page's width)
MARGIN_MM = 20.0      # from the sheet's left and bottom edges to the QR (and its code)
TEXT_PT = 6.5


def public_url(code: str, base: str | None = None) -> str:
    """``<PUBLIC_URL>/xac-minh/<code>``; the base from ``THIDUA_PUBLIC_URL`` when not given."""
    base = base if base is not None else os.environ.get("THIDUA_PUBLIC_URL", "")
    return f"{base.rstrip('/')}/xac-minh/{code}"


def _symbol(url: str) -> segno.QRCode:
    return segno.make_qr(url, error="m")


def svg_path(url: str) -> tuple[str, int]:
    """The dark modules as one SVG path (unit = one module) and the side in modules, with
    the quiet zone."""
    runs = []
    for y, row in enumerate(_symbol(url).matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + BORDER} {y + BORDER}h{x - start}v1h{start - x}z")
            else:
                x += 1
    side = len(_symbol(url).matrix) + 2 * BORDER
    return "".join(runs), side


def png(url: str, scale: int = 10) -> bytes:
    """The QR as a PNG (black on white), for the DOCX."""
    buffer = io.BytesIO()
    _symbol(url).save(buffer, kind="png", scale=scale, border=BORDER)
    return buffer.getvalue()


def wanted(data: Mapping[str, Any], profile_default: bool = True) -> bool:
    """A QR when the certificate has a code, unless its payload says ``qr: false``."""
    if not data.get("verification_code"):
        return False
    choice = data.get("qr")
    return profile_default if choice is None else bool(choice)


def page_qr(data: Mapping[str, Any], page: Mapping[str, Any]) -> dict[str, Any] | None:
    """What the templates draw: the path, its place and size (mm), the URL and the code."""
    if not wanted(data):
        return None
    code = data["verification_code"]
    url = data.get("verification_url") or public_url(code)
    path, side = svg_path(url)
    scale = page["width_mm"] / A4_WIDTH_MM
    size, margin = SIZE_MM * scale, MARGIN_MM * scale
    text_pt = round(TEXT_PT * scale, 1)
    return {"path": path, "modules": side, "x": round(margin, 2),
            "y": round(page["height_mm"] - margin - size - text_pt * 0.5, 2),
            "size": round(size, 2), "text_pt": text_pt, "url": url, "code": code}
