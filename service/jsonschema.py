"""JSON Schema (draft 2020-12) of a marshmallow schema, with every nested schema inlined.

Used by ``GET /api/v1/document-types/<id>`` and by the clerks' web page, which builds its
forms from it: titles and descriptions come from each field's ``metadata``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields

from schemas import base, certificate


def _text(field: base.Text, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string",
                           "minLength": field.min_length, "maxLength": field.max_length}
    if field.pattern is not None:
        out["pattern"] = field.pattern.pattern
    if field.choices:
        out["enum"] = list(field.choices)
    if field.multiline:
        out["x-multiline"] = True
    return out


def _nested(field: fields.Nested, depth: int) -> dict[str, Any]:
    nested = field.nested() if callable(field.nested) and not isinstance(field.nested, type) \
        else field.nested
    schema_cls = nested if isinstance(nested, type) else type(nested)
    return schema_to_jsonschema(schema_cls, depth + 1)


def _list(field: fields.List, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": _field(field.inner, depth)}
    if isinstance(field, base.List):
        out["minItems"], out["maxItems"] = field.min_items, field.max_items
    return out


# The field classes this converter knows, most specific first.
CONVERTERS: tuple[tuple[type, Callable[[Any, int], dict[str, Any]]], ...] = (
    (base.Text, _text),
    (base.StrictInt, lambda f, _: {"type": "integer", "minimum": f.minimum,
                                   "maximum": f.maximum}),
    (base.IsoDate, lambda f, _: {"type": "string", "format": "date"}),
    (base.Flag, lambda f, _: {"type": "boolean"}),
    (certificate.DataImage, lambda f, _: {"type": "string", "contentMediaType": "image/*",
                                          "x-widget": "image"}),
    (certificate.Millimetres, lambda f, _: {"type": "number", "minimum": -f.limit,
                                            "maximum": f.limit}),
    (fields.Nested, _nested),
    (fields.List, _list),
)


def _metadata(field: fields.Field, out: dict[str, Any]) -> None:
    """Titles, descriptions and the rest of a field's ``metadata`` (as ``x-…``)."""
    meta = dict(field.metadata)
    for key in ("title", "description"):
        if key in meta:
            out[key] = meta.pop(key)
    if "enum" in meta:  # choices given only as metadata (e.g. words mapped to values)
        out.setdefault("enum", meta.pop("enum"))
    if "choice_labels" in meta:  # the clerk's word for each code: the page's drop-downs
        out["x-enum_titles"] = dict(meta.pop("choice_labels"))
    source = meta.pop("choices_from", None)
    if source == "rewards":
        out.update(_reward_awards())
    elif source == "profiles":
        out.update(_layout_profiles())
    for key, value in meta.items():
        out[f"x-{key}"] = value


def _reward_awards() -> dict[str, Any]:
    """A reward-table award field as a choice: the table's codes, shown by their names (the
    API keeps the codes; the service checks them against the same table)."""
    from service.rewards.configured import current

    try:
        awards = current().awards
    except Exception:  # no readable table: the field stays free text, checked on render
        return {}
    return {"enum": list(awards), "x-enum_titles": {code: a.name for code, a in awards.items()}}


def _layout_profiles() -> dict[str, Any]:
    """The certificate layout profiles installed, shown by their titles (``A4 ngang``)."""
    from service.doctypes import _certificate_layout as layouts

    try:
        names = layouts.profile_names()
        titles = {name: str(layouts.load_profile(name).get("title") or name) for name in names}
    except Exception:  # an unreadable profile: the field stays free text, checked on render
        return {}
    return {"enum": names, "x-enum_titles": titles}


def _null_and_default(field: fields.Field, out: dict[str, Any]) -> None:
    if field.allow_none and "type" in out:
        out["type"] = [out["type"], "null"]
    default = field.load_default
    if default is not None and not callable(default) and default is not fields.missing_:
        out["default"] = default
    elif callable(default) and default is list:
        out["default"] = []


def _field(field: fields.Field, depth: int) -> dict[str, Any]:
    convert = next((c for cls, c in CONVERTERS if isinstance(field, cls)), None)
    # a field type this converter does not know: say so rather than guess
    out = {"description": f"({type(field).__name__})"} if convert is None \
        else convert(field, depth)
    _metadata(field, out)
    _null_and_default(field, out)
    return out


def schema_to_jsonschema(schema_cls: type[Schema], depth: int = 0) -> dict[str, Any]:
    """The JSON Schema of one marshmallow schema class."""
    if depth > 12:
        raise ValueError("schema nesting too deep")
    schema = schema_cls()
    properties = {}
    required = []
    for name, field in schema.fields.items():
        key = field.data_key or name
        properties[key] = _field(field, depth)
        if field.required:
            required.append(key)
    out: dict[str, Any] = {"type": "object", "properties": properties,
                           "additionalProperties": False,
                           "x-property-order": list(properties)}  # JSON output sorts keys
    if required:
        out["required"] = required
    doc = (schema_cls.__doc__ or "").strip().splitlines()
    if doc and depth == 0:
        out["description"] = doc[0]
    return out


def document_schema(schema_cls: type[Schema], title: str) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title,
            **schema_to_jsonschema(schema_cls)}
