"""Blank XLSX templates for clerks, and the one safe way the service writes a cell."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from schemas import base
from service.tabular.columns import column_letter, schema_columns

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


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


def xlsx_template(doc_type, columns: Iterable[str] | None = None) -> bytes:
    """A blank XLSX for a document type: one header per column (the field titles), a sheet
    that explains each column, text-formatted cells so Excel keeps leading zeros."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    by_path = {".".join(c.path): c for c in schema_columns(doc_type.schema)}
    wanted = list(columns or (doc_type.batch.columns if doc_type.batch else ()) or by_path)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    guide = workbook.create_sheet("Hướng dẫn")
    _append(guide, ["Cột", "Trường", "Bắt buộc", "Giải thích"])
    for index, path in enumerate(wanted, start=1):
        column = by_path[path]
        cell = safe_cell(sheet, 1, index, column.title)
        cell.font = Font(bold=True)
        letter = column_letter(index - 1)
        sheet.column_dimensions[letter].width = max(14, min(45, len(column.title) + 6))
        for row in range(2, 202):
            sheet.cell(row=row, column=index).number_format = (
                "DD/MM/YYYY" if isinstance(column.field, base.IsoDate) else "@")
        description = column.field.metadata.get("description", "")
        choices = column.field.metadata.get("enum")
        if choices:
            description += f" Giá trị: {', '.join(choices)}."
        _append(guide, [column.title, path, "có" if column.field.required else "",
                        description.strip()])
    sheet.freeze_panes = "A2"
    for cell in guide[1]:
        cell.font = Font(bold=True)
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["D"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
