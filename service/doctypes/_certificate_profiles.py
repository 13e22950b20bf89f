"""Certificate layout profiles: page size, boxes in mm, sizes, wordings, loaded and checked.

Profiles are TOML files in ``doc_templates/profiles`` (template settings, not code: DOMAIN.md
§8 Q1 says the official sizes and wordings are unverified). A profile may ``extends`` another
and ``scale`` it; :func:`load` resolves both and completes every box. The functions here take
the profiles directory as an argument: :mod:`._certificate_layout` owns the one in use
(``PROFILES_DIR``) and caches the loaded profiles.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "doc_templates" / "profiles"

BOX_ORDER = ("national", "motto", "authority", "award_word", "award_name", "recipient",
             "detail", "achievement", "decision", "register", "place_date", "signer",
             "signer_name")
BOX_DEFAULTS = {"size": 14.0, "min_size": None, "lines": 1, "bold": False, "italic": False,
                "color": "black", "align": "center", "valign": "top", "rule": False}
_MM_KEYS = ("x", "y", "w", "h")


class ProfileError(ValueError):
    """A profile name that does not exist or a profile file that is wrong."""


def names(directory: Path) -> list[str]:
    """The profiles in ``directory``, by name."""
    return sorted(p.stem for p in directory.glob("*.toml"))


def load(name: str, directory: Path) -> dict[str, Any]:
    """Profile ``name`` of ``directory`` with ``extends`` resolved and ``scale`` applied;
    every box complete."""
    if name not in names(directory):
        known = ", ".join(names(directory))
        raise ProfileError(f"Không có hồ sơ bố cục “{name[:60]}” (có: {known}).")
    raw = tomllib.loads((directory / f"{name}.toml").read_text(encoding="utf-8"))
    base: dict[str, Any] = {}
    if "extends" in raw:
        parent = raw["extends"]
        if parent == name:
            raise ProfileError(f"{name}: extends itself")
        base = load(parent, directory)
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
        profile["emblem"]["src"] = _agency_emblem(name, profile["emblem"]["file"], directory)
    profile["name"] = name
    return profile


def _agency_emblem(profile: str, file: str, directory: Path) -> str:
    """The emblem an agency supplies for its profile (the Quốc huy or its own logo, as its
    blank carries it): a PNG or JPEG beside the profiles, checked as an upload is. The service
    never draws or ships one."""
    import base64

    from marshmallow import ValidationError

    from schemas.certificate import MAX_EMBLEM_BYTES, _check_bitmap

    path = (directory / file).resolve()
    if directory.resolve() not in path.parents:
        raise ProfileError(f"{profile}: [emblem] file must be inside {directory}")
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
