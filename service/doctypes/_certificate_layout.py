"""Certificate layout: profiles (page size, boxes in mm, sizes, wordings) and text fitting.

A certificate is a set of boxes at fixed positions on one sheet. Each text is broken into lines
and sized here, with the bundled font's metrics, so the PDF (WeasyPrint), the DOCX (Word
frames) and the bulk renderer print the same lines at the same size, and a text that cannot fit
its box even at the profile's smallest size is refused at validation instead of overflowing:
a valid certificate is exactly one page by construction.

Profiles are TOML files in ``doc_templates/profiles`` (template settings, not code: DOMAIN.md
§8 Q1 says the official sizes and wordings are unverified).
"""

from __future__ import annotations

import copy
import io
import tomllib
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from service import vn
from service.rendering import layout as d30

PROFILES_DIR = Path(__file__).resolve().parents[2] / "doc_templates" / "profiles"
PT_TO_MM = 25.4 / 72
MM_TO_TWIPS = 1440 / 25.4
WIDTH_SAFETY = 0.97   # lines are filled to 97 % of a box: room for renderer differences
SIZE_STEP = 0.5

BOX_ORDER = ("national", "motto", "authority", "award_word", "award_name", "recipient",
             "detail", "achievement", "decision", "register", "place_date", "signer",
             "signer_name")
# The payload field a box's text comes from, for error pointers.
BOX_FIELD = {"authority": ("authority",), "award_name": ("title",),
             "recipient": ("recipient_name",), "detail": ("unit",),
             "achievement": ("achievement",), "decision": ("decision_number",),
             "register": ("register_no",), "place_date": ("place",),
             "signer": ("signer", "position"), "signer_name": ("signer", "name")}
BOX_DEFAULTS = {"size": 14.0, "min_size": None, "lines": 1, "bold": False, "italic": False,
                "color": "black", "align": "center", "valign": "top", "rule": False}
_MM_KEYS = ("x", "y", "w", "h")
# Boxes printed as an official breaks a name (never inside a two-syllable word, balanced lines,
# the caller's own "\\n" kept) rather than filled greedily.
BALANCED_BOXES = ("authority", "signer")


class ProfileError(ValueError):
    """A profile name that does not exist or a profile file that is wrong."""


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


# ---------------------------------------------------------------- profiles

def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


@cache
def load_profile(name: str) -> dict[str, Any]:
    """A profile with ``extends`` resolved and ``scale`` applied; every box complete."""
    if name not in profile_names():
        known = ", ".join(profile_names())
        raise ProfileError(f"Không có hồ sơ bố cục “{name[:60]}” (có: {known}).")
    raw = tomllib.loads((PROFILES_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    base: dict[str, Any] = {}
    if "extends" in raw:
        parent = raw["extends"]
        if parent == name:
            raise ProfileError(f"{name}: extends itself")
        base = copy.deepcopy(load_profile(parent))
        if "scale" in raw:  # the parent scaled first; this profile's own values then win
            _scale(base, float(raw["scale"]))
    profile = _deep_merge(base, {k: v for k, v in raw.items() if k not in ("extends", "scale")})
    for key in ("page", "boxes", "wording", "colors", "frame", "calibration", "blank"):
        if key not in profile:
            raise ProfileError(f"{name}: missing [{key}]")
    profile["boxes"] = {n: _complete_box(n, b) for n, b in profile["boxes"].items()}
    missing = set(BOX_ORDER) - set(profile["boxes"])
    if missing:
        raise ProfileError(f"{name}: missing boxes {sorted(missing)}")
    blank = profile["blank"]
    blank["boxes"] = {n: _complete_box(n, {**profile["boxes"][n], **b})
                      for n, b in blank.get("boxes", {}).items()}
    unknown = set(blank["fields"]) - set(BOX_ORDER)
    if unknown:
        raise ProfileError(f"{name}: unknown blank fields {sorted(unknown)}")
    if "file" in profile.get("emblem", {}):
        profile["emblem"]["src"] = _agency_emblem(name, profile["emblem"]["file"])
    profile["name"] = name
    return profile


def _agency_emblem(profile: str, file: str) -> str:
    """The emblem an agency supplies for its profile (the Quốc huy or its own logo, as its
    blank carries it): a PNG or JPEG beside the profiles, checked as an upload is. The service
    never draws or ships one."""
    import base64

    from marshmallow import ValidationError

    from schemas.certificate import MAX_EMBLEM_BYTES, _check_bitmap

    path = (PROFILES_DIR / file).resolve()
    if PROFILES_DIR.resolve() not in path.parents:
        raise ProfileError(f"{profile}: [emblem] file must be inside {PROFILES_DIR}")
    kinds = {".png": ("PNG", "image/png"), ".jpg": ("JPEG", "image/jpeg"),
             ".jpeg": ("JPEG", "image/jpeg")}
    if path.suffix.lower() not in kinds or not path.is_file():
        raise ProfileError(f"{profile}: [emblem] file {file!r} is not a PNG or JPEG file")
    raw = path.read_bytes()
    if len(raw) > MAX_EMBLEM_BYTES:
        raise ProfileError(f"{profile}: [emblem] file {file!r} is over "
                           f"{MAX_EMBLEM_BYTES // 1024} KB")
    kind, mime = kinds[path.suffix.lower()]
    try:
        _check_bitmap(raw, kind)
    except ValidationError as exc:
        raise ProfileError(f"{profile}: [emblem] file {file!r}: {exc.messages}") from None
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _scale(profile: dict[str, Any], factor: float) -> None:
    page = profile["page"]
    page["width_mm"] = round(page["width_mm"] * factor, 2)
    page["height_mm"] = round(page["height_mm"] * factor, 2)
    for key in ("outer_mm", "inner_mm", "corner_mm"):
        profile["frame"][key] = round(profile["frame"][key] * factor, 2)
    boxes = [*profile["boxes"].values(), *profile["blank"].get("boxes", {}).values()]
    if "emblem" in profile:
        boxes.append(profile["emblem"])
    for box in boxes:
        for key in (*_MM_KEYS, "size", "min_size"):
            if box.get(key) is not None:
                box[key] = round(box[key] * factor, 2)


def _complete_box(name: str, box: Mapping[str, Any]) -> dict[str, Any]:
    out = {**BOX_DEFAULTS, **box}
    for key in _MM_KEYS:
        if key not in out:
            raise ProfileError(f"box {name}: missing {key}")
    if out["min_size"] is None:
        out["min_size"] = out["size"]
    return out


# ---------------------------------------------------------------- measuring and fitting

@cache
def _widths(bold: bool, italic: bool) -> tuple[dict[str, float], float]:
    """Advance width of every character in em, and the fallback width."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO((d30.FONT_DIR / d30.FONT_FILES[(bold, italic)]).read_bytes()))
    upem = font["head"].unitsPerEm
    hmtx = font["hmtx"].metrics
    widths = {chr(cp): hmtx[glyph][0] / upem for cp, glyph in font.getBestCmap().items()}
    return widths, 0.5


def width_em(text: str, bold: bool, italic: bool) -> float:
    widths, fallback = _widths(bold, italic)
    get = widths.get
    return sum(get(ch, fallback) for ch in text)


def wrap(text: str, max_em: float, bold: bool, italic: bool) -> list[str]:
    """Greedy line breaking at spaces; a word wider than a line is cut between characters."""
    widths, fallback = _widths(bold, italic)
    space = widths.get(" ", 0.25)
    lines: list[str] = []
    current: list[str] = []
    current_w = 0.0
    for word in text.split():
        w = sum(widths.get(ch, fallback) for ch in word)
        if w > max_em:  # an unbreakable run (a long code): cut it
            if current:
                lines.append(" ".join(current))
                current, current_w = [], 0.0
            piece, piece_w = "", 0.0
            for ch in word:
                cw = widths.get(ch, fallback)
                if piece and piece_w + cw > max_em:
                    lines.append(piece)
                    piece, piece_w = "", 0.0
                piece += ch
                piece_w += cw
            current, current_w = [piece], piece_w
            continue
        extra = w + (space if current else 0.0)
        if current and current_w + extra > max_em:
            lines.append(" ".join(current))
            current, current_w = [word], w
        else:
            current.append(word)
            current_w += extra
    if current:
        lines.append(" ".join(current))
    return lines


def break_balanced(text: str, max_em: float, bold: bool, italic: bool) -> list[str]:
    """Lines of a name or title as an official breaks them (:func:`service.vn.break_lines`:
    the caller's ``\\n`` kept, never inside a two-syllable word, balanced)."""
    return vn.break_lines(text, max_em, lambda line: width_em(line, bold, italic))


def fit_box(box: Mapping[str, Any], text: str, line_height: float, *,
            balanced: bool = False) -> tuple[float, list[str]]:
    """The largest size (down to ``min_size``) at which ``text`` fits the box, and its lines
    (``balanced``: broken by :func:`break_balanced`, else filled greedily).

    :raises OverflowError: it does not fit even at ``min_size``.
    """
    size, lines = _fit(float(box["w"]), float(box["h"]), float(box["size"]),
                       float(box["min_size"]), int(box["lines"]), bool(box["bold"]),
                       bool(box["italic"]), text, float(line_height), balanced)
    if size is None:
        raise OverflowError(box)
    return size, list(lines)


@lru_cache(maxsize=8192)  # a batch repeats its common texts on every row
def _fit(w: float, h: float, size: float, floor: float, max_lines: int, bold: bool,
         italic: bool, text: str, line_height: float,
         balanced: bool = False) -> tuple[float | None, tuple[str, ...]]:
    usable_mm = w * WIDTH_SAFETY
    breaker = break_balanced if balanced else wrap
    while True:
        max_em = usable_mm / (size * PT_TO_MM)
        lines = breaker(text, max_em, bold, italic)
        height = len(lines) * size * line_height * PT_TO_MM
        if len(lines) <= max_lines and height <= h + 0.01:
            return size, tuple(lines)
        if size - SIZE_STEP < floor - 1e-9:
            return None, ()
        size = round(size - SIZE_STEP, 2)


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
