"""The columns a spreadsheet can fill, from the document schema's own field metadata."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields

from service.vn.fold import fold_key


@dataclass(frozen=True)
class Column:
    """A payload field a spreadsheet column can fill."""

    path: tuple[str, ...]   # ("recipient_name",) or ("signer", "name")
    title: str
    field: fields.Field


@dataclass
class Table:
    """Items read from a file, with the spreadsheet row number of each."""

    items: list[dict[str, Any]]
    rows: list[int]
    columns: list[str]      # the dotted field path of each mapped column, in file order
    letters: dict[str, str] = dataclasses.field(default_factory=dict)  # path → column letter
    titles: dict[str, str] = dataclasses.field(default_factory=dict)   # letter → its header


def schema_columns(schema_cls: type[Schema], prefix: tuple[str, ...] = (),
                   title_prefix: str = "") -> list[Column]:
    """Every scalar field of a schema (nested ones as ``parent.child``)."""
    out = []
    for name, field in schema_cls().fields.items():
        key = field.data_key or name
        title = field.metadata.get("title", key)
        if isinstance(field, fields.Nested):
            nested = field.nested if isinstance(field.nested, type) else type(field.schema)
            out.extend(schema_columns(nested, (*prefix, key), f"{title_prefix}{title} - "))
        elif not isinstance(field, fields.List):
            out.append(Column((*prefix, key), f"{title_prefix}{title}", field))
    return out


def header_lookup(schema_cls: type[Schema],
                  aliases: Mapping[str, Sequence[str]] | None = None) -> dict[str, Column]:
    """Folded header text → column: the dotted name, the title, each alias (the field's own
    and, by dotted path, those given by the caller)."""
    lookup: dict[str, Column] = {}
    aliases = aliases or {}
    for column in schema_columns(schema_cls):
        meta = column.field.metadata
        dotted = ".".join(column.path)
        names = [dotted, column.path[-1], column.title, *meta.get("aliases", ()),
                 *aliases.get(dotted, ())]
        if len(column.path) > 1:
            names.remove(column.path[-1])  # "name" alone must not mean signer.name
            names.append(meta.get("title", column.path[-1]))
        for name in names:
            lookup.setdefault(fold_key(name), column)
    return lookup


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
