"""Certificate layout: the placed boxes of one certificate, from its profile and payload.

A certificate is a set of boxes at fixed positions on one sheet. Each text is broken into lines
and sized with the bundled font's metrics (:mod:`._certificate_fit`), so the PDF (WeasyPrint),
the DOCX (Word frames) and the bulk renderer print the same lines at the same size, and a text
that cannot fit its box even at the profile's smallest size is refused at validation instead of
overflowing: a valid certificate is exactly one page by construction.

Profiles (page size, boxes in mm, sizes, wordings) are :mod:`._certificate_profiles`; the
decorative border is :mod:`._certificate_frame`. Their public names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from service import vn
from service.doctypes import _certificate_profiles as _profiles
from service.doctypes._certificate_fit import (
    PT_TO_MM,
    SIZE_STEP,
    WIDTH_SAFETY,
    break_balanced,
    fit_box,
    width_em,
    wrap,
)
from service.doctypes._certificate_frame import frame_drawing
from service.doctypes._certificate_profiles import BOX_DEFAULTS, BOX_ORDER, ProfileError
from service.kit import layout as d30

__all__ = [
    "BALANCED_BOXES", "BOX_DEFAULTS", "BOX_FIELD", "BOX_ORDER", "MM_TO_TWIPS", "PROFILES_DIR",
    "PT_TO_MM", "SIZE_STEP", "WIDTH_SAFETY", "FitError", "ProfileError", "break_balanced",
    "fit_box", "frame_drawing", "layout", "load_profile", "page_context", "place_box",
    "profile_names", "texts", "width_em", "wrap",
]

MM_TO_TWIPS = 1440 / 25.4
# The payload field a box's text comes from, for error pointers.
BOX_FIELD = {"authority": ("authority",), "award_name": ("title",),
             "recipient": ("recipient_name",), "detail": ("unit",),
             "achievement": ("achievement",), "decision": ("decision_number",),
             "register": ("register_no",), "place_date": ("place",),
             "signer": ("signer", "position"), "signer_name": ("signer", "name")}
# Boxes printed as an official breaks a name (never inside a two-syllable word, balanced lines,
# the caller's own "\\n" kept) rather than filled greedily.
BALANCED_BOXES = ("authority", "signer")
# The profiles in use (a test points it at a directory of its own, then clears the cache).
PROFILES_DIR = _profiles.SHIPPED_DIR


def profile_names() -> list[str]:
    return _profiles.names(PROFILES_DIR)


@cache
def load_profile(name: str) -> dict[str, Any]:
    """A profile with ``extends`` resolved and ``scale`` applied; every box complete.

    :raises ProfileError: no such profile, or its file is wrong.
    """
    return _profiles.load(name, PROFILES_DIR)


class FitError(ValueError):
    """Texts that do not fit their boxes even at the smallest size."""

    def __init__(self, problems: list[tuple[str, int, float]]) -> None:
        super().__init__(", ".join(p[0] for p in problems))
        self.problems = problems  # (box, max lines, min size)

    def messages(self) -> dict[str, Any]:
        from schemas.base import Msg

        out: dict[str, Any] = {}
        for box, lines, size in self.problems:
            path = BOX_FIELD.get(box, (box,))
            msg = Msg("too_long_for_sheet",
                      f"Nội dung quá dài để in vừa khung trên giấy (tối đa {lines} dòng ở cỡ chữ "
                      f"{size:g} pt); hãy rút gọn.")
            target = out
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = [msg]
        return out


# ---------------------------------------------------------------- texts and layout

def texts(data: Mapping[str, Any], profile: Mapping[str, Any]) -> dict[str, str]:
    """What each box prints for this payload."""
    wording = profile["wording"]
    award = data["award"]
    if data.get("recipient_kind", "ca_nhan") == "tap_the":
        recipient = data["recipient_name"]
    else:
        recipient = f"{vn.honorific(data['honorific'])} {data['recipient_name']}"
    detail = ", ".join(t for t in (data.get("position"), data.get("unit")) if t)
    register_label = wording["register_label"][award]
    register = data.get("register_no") or "……"
    signer_lines = d30.signer_lines(data["signer"])
    return {
        "national": d30.QUOC_HIEU,
        "motto": d30.TIEU_NGU,
        "authority": vn.upper_vn(data["authority"]),
        "award_word": wording["title_word"] if award == "danh_hieu" else wording["award_word"],
        "award_name": (vn.upper_vn(data["title"]) if award == "danh_hieu"
                       else wording["award_name"][award]),
        "recipient": recipient,
        "detail": detail,
        "achievement": data["achievement"],
        "decision": (f"{wording['decision_label']} {data['decision_number']} "
                     f"{vn.format_date(data['decision_date'])}"),
        "register": f"{register_label}: {register}",
        "place_date": vn.place_date_line(data["place"], data["date"]),
        "signer": "\n".join(signer_lines),
        "signer_name": data["signer"]["name"],
    }


def _color(profile: Mapping[str, Any], name: str) -> str:
    return profile["colors"].get(name, name)


def place_box(name: str, box: Mapping[str, Any], text: str, profile: Mapping[str, Any], *,
              dx: float = 0.0, dy: float = 0.0) -> dict[str, Any]:
    """Fit ``text`` (``\\n`` separates forced lines) in ``box``: position, size, lines."""
    line_height = float(profile["page"]["line_height"])
    size, lines = float(box["size"]), list[str]()
    forced = [t for t in text.split("\n") if t.strip()]
    if name in BALANCED_BOXES:  # the caller's breaks and the official's, at one size
        size, lines = fit_box(box, text, line_height, balanced=True)
    elif len(forced) > 1:  # e.g. the signer block: each line fitted on its own, one common size
        per_line = {**box, "lines": 1, "h": box["h"] / len(forced)}
        size = min(fit_box(per_line, t, line_height)[0] for t in forced)
        lines = forced
    elif forced:
        size, lines = fit_box(box, forced[0], line_height)
    pitch = size * line_height * PT_TO_MM
    content = len(lines) * pitch
    pad = {"top": 0.0, "middle": (box["h"] - content) / 2, "bottom": box["h"] - content}[
        box["valign"]]
    x, w = box["x"], box["w"]
    if box["rule"] and lines:  # shrink-wrap so a border under the box is as wide as the text
        text_w = max(width_em(t, box["bold"], box["italic"]) for t in lines) * size * PT_TO_MM
        w = round(min(box["w"], text_w + 0.6), 2)
        x = box["x"] + (box["w"] - w) / 2
    x, y = round(x + dx, 2), round(box["y"] + pad + dy, 2)
    return {
        "name": name, "lines": lines, "size": size,
        "x": x, "y": y, "w": round(w, 2), "h": round(max(content, pitch), 2),
        "line_mm": round(pitch, 3), "bold": box["bold"], "italic": box["italic"],
        "color": _color(profile, box["color"]), "align": box["align"], "rule": box["rule"],
        # DOCX units: twips for positions, half-points for sizes, twentieths of a point for pitch
        "x_tw": round(x * MM_TO_TWIPS), "y_tw": round(y * MM_TO_TWIPS),
        "w_tw": round(w * MM_TO_TWIPS),
        "h_tw": round(max(content, pitch) * MM_TO_TWIPS) + 20,
        "size_hp": round(size * 2), "pitch_tw": round(pitch * MM_TO_TWIPS),
        "bold_val": "1" if box["bold"] else "0", "italic_val": "1" if box["italic"] else "0",
        "color_hex": _color(profile, box["color"]).lstrip("#").upper(),
        "jc": "center" if box["align"] == "center" else "left",
        "rule_val": "single" if box["rule"] else "nil",
    }


def layout(data: Mapping[str, Any]) -> dict[str, Any]:
    """The page and the placed boxes of one certificate.

    :raises ProfileError: unknown profile.
    :raises FitError: some text does not fit its box (names the boxes).
    """
    profile = load_profile(data.get("profile") or "a4-landscape")
    mode = data.get("mode") or "full"
    all_texts = texts(data, profile)
    if mode == "blank":
        cal = profile["calibration"]
        dx = cal["x_mm"] if data.get("offset_x_mm") is None else data["offset_x_mm"]
        dy = cal["y_mm"] if data.get("offset_y_mm") is None else data["offset_y_mm"]
        names = [n for n in BOX_ORDER if n in profile["blank"]["fields"]]
        source = {**profile["boxes"], **profile["blank"]["boxes"]}
    else:
        dx = dy = 0.0
        names = list(BOX_ORDER)
        source = profile["boxes"]
    boxes, problems = [], []
    for name in names:
        box = source[name]
        try:
            boxes.append(place_box(name, box, all_texts[name], profile, dx=dx, dy=dy))
        except OverflowError:
            problems.append((name, box["lines"], box["min_size"]))
    if problems:
        raise FitError(problems)
    return {"page": page_context(profile, mode, data.get("emblem"), dx, dy), "boxes": boxes}


def page_context(profile: Mapping[str, Any], mode: str, emblem: str | None,
                 dx: float = 0.0, dy: float = 0.0) -> dict[str, Any]:
    page = profile["page"]
    frame = profile["frame"]
    w, h = page["width_mm"], page["height_mm"]
    out: dict[str, Any] = {
        "profile": profile["name"], "mode": mode, "width_mm": w, "height_mm": h,
        "w_tw": round(w * MM_TO_TWIPS), "h_tw": round(h * MM_TO_TWIPS),
        "orient": "landscape" if w > h else "portrait",
        "full": mode == "full",
        "border_val": "double" if mode == "full" else "nil",
        "frame_color": profile["colors"]["frame"].lstrip("#").upper(),
        "frame": None, "emblem": None,
    }
    if mode == "full":
        out["frame"] = {**frame_drawing(w, h, frame["outer_mm"], frame["inner_mm"],
                                        frame["corner_mm"]),
                        "color": profile["colors"]["frame"], "accent": profile["colors"]["accent"]}
        emblem = emblem or profile.get("emblem", {}).get("src")  # the request's, else the agency's
        if emblem:
            box = profile["emblem"]
            out["emblem"] = {"src": emblem, "x": box["x"], "y": box["y"], "w": box["w"],
                             "h": box["h"]}
    return out
