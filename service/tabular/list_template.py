"""The blank XLSX of a list field: headers in clerk words, drop-downs for the columns that
take words (kind, honorific, award), widths that fit, and a guide sheet."""

from __future__ import annotations

import io
from typing import Any

from schemas import base
from service.tabular.columns import column_letter
from service.tabular.list_words import AwardWords, Words
from service.tabular.lists import AWARD_HELP, ListField
from service.tabular.template import BLANK_ROWS, VALUES_SHEET, drop_down, safe_cell


def _help(lf: ListField, path: str, column: Any, words: dict[str, Words | AwardWords]) -> str:
    if isinstance(words.get(path), AwardWords):
        return AWARD_HELP
    text = str(column.field.metadata.get("description", "")).strip()
    if path in words:
        text = f"{text} Chọn: {'; '.join(words[path].shown)}.".strip()
    if isinstance(column.field, base.IsoDate):
        text = f"{text} Ghi ngày dạng dd/mm/yyyy.".strip()
    return text


def _width(column: Any, choices: tuple[str, ...]) -> float:
    longest = max([len(column.title), *(len(c) for c in choices)]) + 4
    cap = 50 if (getattr(column.field, "max_length", 0) or 0) > 100 else 30
    return float(max(12, min(cap, longest)))


def list_template(lf: ListField) -> bytes:
    """A blank list for ``lf`` that :func:`~service.tabular.lists.read_list` reads back."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    guide = workbook.create_sheet("Hướng dẫn")
    values = workbook.create_sheet(VALUES_SHEET)
    words = lf.words()
    for cell_col, text in enumerate(("Cột", "Bắt buộc", "Cách ghi"), start=1):
        safe_cell(guide, 1, cell_col, text).font = Font(bold=True)
    slot = 0
    for index, column in enumerate(lf.columns()):
        path, letter = ".".join(column.path), column_letter(index)
        safe_cell(sheet, 1, index + 1, column.title).font = Font(bold=True)
        choices = words[path].shown if path in words else ()
        sheet.column_dimensions[letter].width = _width(column, choices)
        fmt = "DD/MM/YYYY" if isinstance(column.field, base.IsoDate) else (
            "#,##0" if isinstance(column.field, base.StrictInt) else "@")
        for row in range(2, BLANK_ROWS + 2):
            sheet.cell(row=row, column=index + 1).number_format = fmt
        if choices:
            safe_cell(values, 1, slot + 1, column.title).font = Font(bold=True)
            values.column_dimensions[column_letter(slot)].width = _width(column, choices)
            drop_down(sheet, values, letter, slot, choices,
                       strict=not isinstance(words[path], AwardWords))
            slot += 1
        for cell_col, text in enumerate((column.title, "có" if column.field.required else "",
                                         _help(lf, path, column, words)), start=1):
            safe_cell(guide, index + 2, cell_col, text).alignment = Alignment(wrap_text=True,
                                                                             vertical="top")
    sheet.freeze_panes = "A2"
    guide.column_dimensions["A"].width = 32
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 90
    note = guide.max_row + 2
    safe_cell(guide, note, 1, "Ghi mỗi người hoặc tập thể một dòng ở trang “Danh sách”, bắt đầu "
                              "từ dòng 2; có thể thêm cột STT, Ghi chú. Lưu dạng .xlsx rồi bấm "
                              "“Tải danh sách từ Excel”.")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
