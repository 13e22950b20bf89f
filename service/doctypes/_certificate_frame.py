"""The certificate's decorative border, drawn by the service (no borrowed artwork)."""

from __future__ import annotations

from functools import cache
from typing import Any


def _diamond(cx: float, cy: float, r: float) -> str:
    return (f"M{cx - r:.2f} {cy:.2f}L{cx:.2f} {cy - r:.2f}"
            f"L{cx + r:.2f} {cy:.2f}L{cx:.2f} {cy + r:.2f}Z")


@cache
def frame_drawing(w: float, h: float, outer: float, inner: float,
                  corner: float) -> dict[str, Any]:
    """The decorative border, drawn by the service (no borrowed artwork): a red double line,
    a band of gold lozenges, a gold inner line and an ornament in each corner. Coordinates
    are in mm; the template draws them as SVG paths."""
    band = (outer + 2.2 + inner) / 2            # centre line of the lozenge band
    r = max(0.6, (inner - outer - 2.2) / 2 * 0.55)
    pitch = r * 3.2
    parts = []
    edges = ((corner, band, w - corner, band), (corner, h - band, w - corner, h - band),
             (band, corner, band, h - corner), (w - band, corner, w - band, h - corner))
    for (x0, y0, x1, y1) in edges:
        length = max(abs(x1 - x0), abs(y1 - y0))
        count = max(1, int(length // pitch))
        for i in range(count + 1):
            t = i / count
            parts.append(_diamond(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, r))
    corners = []
    for cx, cy in ((inner, inner), (w - inner, inner), (inner, h - inner), (w - inner, h - inner)):
        corners.append(_diamond(cx, cy, corner * 0.32))
        corners.append(_diamond(cx, cy, corner * 0.16))
    return {
        "w": w, "h": h,
        "outer": {"x": outer, "y": outer, "w": round(w - 2 * outer, 2),
                  "h": round(h - 2 * outer, 2)},
        "outer2": {"x": outer + 1.6, "y": outer + 1.6, "w": round(w - 2 * outer - 3.2, 2),
                   "h": round(h - 2 * outer - 3.2, 2)},
        "inner": {"x": inner, "y": inner, "w": round(w - 2 * inner, 2),
                  "h": round(h - 2 * inner, 2)},
        "inner2": {"x": inner + 1.2, "y": inner + 1.2, "w": round(w - 2 * inner - 2.4, 2),
                   "h": round(h - 2 * inner - 2.4, 2)},
        "band_path": "".join(parts),
        "corner_outer": "".join(corners[0::2]),
        "corner_inner": "".join(corners[1::2]),
    }
