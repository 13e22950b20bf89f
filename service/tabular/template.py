"""Blank XLSX templates for clerks, and the one safe way the service writes a cell."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from schemas import base
from service.tabular.columns import column_letter, schema_columns

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
BLANK_ROWS = 500
VALUES_SHEET = "Giá trị chọn"
# A row may carry its own date (a certificate signed on another day than the batch's): the
# column is offered, left empty it takes the common date.
OWN_DATE = "date"
DATE_HELP = "Ghi ngày/tháng/năm, ví dụ 05/12/2026."


def safe_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write ``value`` to a cell; every cell the service writes goes through here. A string is
    always a string cell: one that starts like a formula (OWASP CSV injection: =, +, -, @,
    tab, CR) is kept as typed but marked with Excel's quote prefix, so no spreadsheet program
    evaluates it, now or when a clerk edits the cell."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    return cell


def _append(sheet: Any, values: list[Any]) -> None:
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, start=1):
        safe_cell(sheet, row, column, value)


def drop_down(sheet: Any, values: Any, letter: str, slot: int, choices: tuple[str, ...],
               strict: bool) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    values_letter = column_letter(slot)
    for row, text in enumerate(choices, start=2):
        safe_cell(values, row, slot + 1, text)
    rule = DataValidation(type="list", allow_blank=True, showErrorMessage=strict,
                          formula1=f"'{VALUES_SHEET}'!${values_letter}$2:"
                                   f"${values_letter}${len(choices) + 1}")
    if strict:
        rule.error, rule.errorTitle = "Chọn một giá trị trong danh sách.", "Giá trị không hợp lệ"
    sheet.add_data_validation(rule)
    rule.add(f"{letter}2:{letter}{BLANK_ROWS + 1}")


def choice_words(field: Any) -> tuple[str, ...]:
    """The clerk's words for a field's choices (its labels), or () for a free field."""
    codes = field.metadata.get("enum") or getattr(field, "choices", None) or ()
    return tuple(base.choice_labels(field, codes)) if codes else ()


def _columns(doc_type: Any, columns: Iterable[str] | None) -> tuple[dict[str, Any], list[str]]:
    by_path = {".".join(c.path): c for c in schema_columns(doc_type.schema)}
    wanted = list(columns or (doc_type.batch.columns if doc_type.batch else ()) or by_path)
    if columns is None and OWN_DATE in by_path and OWN_DATE not in wanted:
        wanted.append(OWN_DATE)
    return by_path, wanted


def _help(column: Any, words: tuple[str, ...]) -> str:
    text = str(column.field.metadata.get("description", "")).strip()
    if column.path == (OWN_DATE,):
        text = "Chỉ khi dòng này ký ngày khác ngày chung; để trống: dùng ngày chung."
    if words:
        text = f"{text} Chọn: {'; '.join(words)}.".strip()
    if isinstance(column.field, base.IsoDate):
        text = f"{text} {DATE_HELP}".strip()
    return text


def _width(column: Any, words: tuple[str, ...]) -> float:
    """Room for the header, the longest choice, and a realistic name or unit (≥ 30)."""
    longest = max([len(column.title), *(len(w) for w in words)]) + 4
    if (getattr(column.field, "max_length", 0) or 0) >= 100:
        longest = max(longest, 32)
    return float(max(14, min(50, longest)))


def xlsx_template(doc_type, columns: Iterable[str] | None = None) -> bytes:
    """A blank XLSX for a document type: one header per column (the field titles), drop-downs
    where a column takes one of a few words, a sheet that explains each column in the clerk's
    words, text-formatted cells so Excel keeps leading zeros."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    by_path, wanted = _columns(doc_type, columns)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    guide = workbook.create_sheet("Hướng dẫn")
    values = None
    # "Trường" is the name a program sending the list uses (also read as a header)
    _append(guide, ["Cột", "Trường", "Bắt buộc", "Cách ghi"])
    slot = 0
    for index, path in enumerate(wanted, start=1):
        column = by_path[path]
        words = choice_words(column.field)
        safe_cell(sheet, 1, index, column.title).font = Font(bold=True)
        letter = column_letter(index - 1)
        sheet.column_dimensions[letter].width = _width(column, words)
        for row in range(2, BLANK_ROWS + 2):
            sheet.cell(row=row, column=index).number_format = (
                "DD/MM/YYYY" if isinstance(column.field, base.IsoDate) else "@")
        if words:
            values = values or workbook.create_sheet(VALUES_SHEET)
            safe_cell(values, 1, slot + 1, column.title).font = Font(bold=True)
            values.column_dimensions[column_letter(slot)].width = _width(column, words)
            drop_down(sheet, values, letter, slot, words, strict=True)
            slot += 1
        required = column.field.required and column.path != (OWN_DATE,)
        _append(guide, [column.title, path, "có" if required else "",
                        _help(column, words)])
    sheet.freeze_panes = "A2"
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for row in guide.iter_rows(min_row=2):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")
    guide.column_dimensions["A"].width = 32
    guide.column_dimensions["B"].width = 20
    guide.column_dimensions["C"].width = 10
    guide.column_dimensions["D"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
