"""A list field of any document type (e.g. the decision's ``entries``) from a spreadsheet.

Any field that is a list of objects of flat fields gets spreadsheet columns from its item
schema's metadata, read by the same forgiving reader as the certificate batches
(:func:`service.tabular.read_table`). The cells then become the values the payload wants
(:mod:`~service.tabular.list_words`: ``Cá nhân`` → ``ca_nhan``, ``Bà`` → ``ba``, ``Giấy
khen`` → ``giay_khen``, ``1.500.000`` → ``1500000``) and every row is checked by the item
schema. Every problem carries its spreadsheet row, its column letter and its pointer
(``/entries/<i>/<field>``); the problem's ``columns`` member gives each letter's header as
written in the file, so a page can say “Dòng 7, cột Hình thức khen thưởng: …”.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields

from schemas.base import StrictInt
from service.errors import FieldError, Problem, flatten_messages, validation_problem
from service.tabular.columns import Column, Table, schema_columns
from service.tabular.limits import READ_BUDGET_S
from service.tabular.list_words import (
    AWARD_HEADERS,
    USUAL_HEADERS,
    AwardWords,
    Words,
    choice_words,
    is_award_field,
)

MAX_ERRORS = 500
AWARD_TITLE = "Hình thức khen thưởng"
AWARD_HELP = ("Để trống nếu giống hình thức khen thưởng chung của quyết định. Chọn trong danh "
              "sách hoặc ghi như trên quyết định, ví dụ: Giấy khen; Bằng khen của Chủ tịch UBND "
              "tỉnh.")
_THOUSANDS = re.compile(r"\d{1,3}(?:[.\s]\d{3})+")


@dataclass(frozen=True)
class ListField:
    """A list field of a document type whose items are objects of flat fields."""

    type_id: str
    name: str
    title: str
    item_schema: type[Schema]
    max_items: int

    def columns(self) -> list[Column]:
        """The item's columns; a reward-table award code is headed in clerk words."""
        out = []
        for column in schema_columns(self.item_schema):
            if is_award_field(column.path[-1], column.field):
                column = Column(column.path, AWARD_TITLE, column.field)
            out.append(column)
        return out

    def words(self) -> dict[str, Words | AwardWords]:
        """The columns whose cells are words for values: by dotted path."""
        out: dict[str, Words | AwardWords] = {}
        for column in self.columns():
            choices = getattr(column.field, "choices", None)
            if choices:
                out[".".join(column.path)] = choice_words(tuple(choices))
            elif is_award_field(column.path[-1], column.field):
                from service import rewards

                out[".".join(column.path)] = AwardWords(rewards.current().awards)
        return out

    def aliases(self) -> dict[str, tuple[str, ...]]:
        """More header names by dotted path: the words' own, the usual ones, title parts."""
        words = self.words()
        out: dict[str, tuple[str, ...]] = {}
        for column in self.columns():
            path = ".".join(column.path)
            found = words.get(path)
            own = (AWARD_HEADERS if isinstance(found, AwardWords) else
                   found.aliases if found is not None else ())
            parts = tuple(p.strip() for p in column.title.split("/")) if "/" in column.title \
                else ()
            out[path] = (*own, *USUAL_HEADERS.get(column.path[-1], ()), *parts)
        return out


def _item_schema(field: fields.Field) -> type[Schema] | None:
    """The item schema of a list of nested objects whose fields are all flat."""
    if not isinstance(field, fields.List) or not isinstance(field.inner, fields.Nested):
        return None
    nested = field.inner.nested
    schema_cls = nested if isinstance(nested, type) else type(field.inner.schema)
    flat = all(not isinstance(f, fields.List | fields.Nested)
               for f in schema_cls().fields.values())
    return schema_cls if flat else None


def list_fields(doc_type: Any) -> dict[str, ListField]:
    """The list fields of a type a spreadsheet can fill, by their payload name."""
    out = {}
    for name, field in doc_type.schema().fields.items():
        item_schema = _item_schema(field)
        if item_schema is not None:
            key = field.data_key or name
            out[key] = ListField(doc_type.id, key, field.metadata.get("title", key), item_schema,
                                 int(getattr(field, "max_items", 0) or 5000))
    return out


def list_field(doc_type: Any, name: str) -> ListField:
    """One list field, or 404 naming those the type has."""
    found = list_fields(doc_type).get(name)
    if found is None:
        known = ", ".join(list_fields(doc_type)) or "không có"
        raise Problem(404, "list_not_found", "Không có danh sách này",
                      f"{doc_type.title} không có danh sách “{name[:40]}” (có: {known}).")
    return found


# ---------------------------------------------------------------------------- reading


def read_list(lf: ListField, raw: bytes, filename: str, *,
              budget_s: float = READ_BUDGET_S) -> Table:
    """The items of a list field from an uploaded CSV or XLSX, each checked (422 with every
    row's problems: row, column letter, pointer)."""
    from service.tabular import read_table

    table = read_table(raw, filename, lf.item_schema, max_rows=lf.max_items,
                       budget_s=budget_s, aliases=lf.aliases())
    _missing_columns(lf, table)
    words = lf.words()
    schema = lf.item_schema()
    errors: list[FieldError] = []
    for index, (item, row) in enumerate(zip(table.items, table.rows, strict=True)):
        wrong = _convert(lf, item, index, row, table, words)
        errors += wrong
        errors += _validate(lf, schema, item, (index, row), table, words,
                            skip={e.pointer.rsplit("/", 1)[-1] for e in wrong})
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        problem = validation_problem(errors[:MAX_ERRORS],
                                     f"Danh sách có {len(errors)} lỗi; sửa các dòng nêu dưới đây "
                                     "rồi tải lại." if len(errors) < MAX_ERRORS else
                                     f"Danh sách có từ {MAX_ERRORS} lỗi trở lên; sửa các dòng nêu "
                                     "dưới đây rồi tải lại.")
        problem.extra["columns"] = table.titles
        raise problem
    return table


def _missing_columns(lf: ListField, table: Table) -> None:
    missing = [c for c in lf.columns()
               if c.field.required and ".".join(c.path) not in table.letters]
    if missing:
        problem = validation_problem(
            [FieldError(f"/{lf.name}", "missing_column",
                        f"Tệp thiếu cột “{c.title}” (bắt buộc). Dùng tiêu đề trong tệp mẫu.")
             for c in missing], "Tệp thiếu cột bắt buộc; thêm cột rồi tải lại.")
        problem.extra["columns"] = table.titles
        raise problem


def _error(lf: ListField, index: int, row: int, table: Table, key: str, code: str,
           message: str) -> FieldError:
    return FieldError(f"/{lf.name}/{index}/{key}", code, message, row=row,
                      column=table.letters.get(key))


def _convert(lf: ListField, item: dict[str, Any], index: int, row: int, table: Table,
             words: dict[str, Words | AwardWords]) -> list[FieldError]:
    """Words → values in place; the words that mean nothing, as errors."""
    errors = []
    for key, value in list(item.items()):
        if isinstance(value, str) and key in words:
            found = words[key].value(value)
            if found is None:
                errors.append(_error(lf, index, row, table, key, _code(words[key]),
                                     f"Không hiểu “{value[:60]}”; ghi một trong: "
                                     f"{'; '.join(words[key].shown)}."))
            else:
                item[key] = found
        elif isinstance(value, str) and _THOUSANDS.fullmatch(value):
            field = lf.item_schema().fields.get(key)
            if isinstance(field, StrictInt | fields.Integer):
                item[key] = int(re.sub(r"[.\s]", "", value))
    return errors


def _code(words: Words | AwardWords) -> str:
    return "unknown_award" if isinstance(words, AwardWords) else "invalid_choice"


def _validate(lf: ListField, schema: Schema, item: dict[str, Any], where: tuple[int, int],
              table: Table, words: dict[str, Words | AwardWords], skip: set[str]
              ) -> list[FieldError]:
    """The item schema's problems with one row, in clerk words where a word column is wrong
    (``skip``: the columns whose words were already refused)."""
    index, row = where
    try:
        schema.load({k: v for k, v in item.items() if k not in skip})
    except ValidationError as exc:
        out = []
        for error in flatten_messages(exc.messages):
            key = error.pointer.lstrip("/").split("/", 1)[0]
            if key in skip:
                continue
            message = error.message.replace("Trường này", "Ô này")
            if key in words and isinstance(words[key], Words) and error.code in (
                    "required", "invalid_choice", "invalid"):
                shown = "; ".join(words[key].shown)
                message = f"{_first_sentence(message)} Ghi một trong: {shown}."
            out.append(_error(lf, index, row, table, key or lf.name, error.code, message))
        return out
    return []


def _first_sentence(message: str) -> str:
    """A message up to its first colon or full stop (before it lists machine values)."""
    head = re.split(r"[:.]", message, maxsplit=1)[0].strip()
    return f"{head}."
