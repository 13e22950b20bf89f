"""The commendation register read out: entries as a table (XLSX, CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from service.register.commendation import REGISTER_TITLES, STATE_TITLES, EntryView
from service.register.export import CSV_MIMETYPE, XLSX_MIMETYPE, _safe_cell

COLUMNS = ("Sổ", "Số sổ", "Năm", "Hình thức", "Đối tượng", "Họ và tên / tên tập thể",
           "Đơn vị", "Mã định danh", "Quyết định số", "Ngày quyết định", "Tình trạng",
           "Mã quyết định", "Mã lô")
KINDS = {"ca_nhan": "Cá nhân", "tap_the": "Tập thể"}
__all__ = ["COLUMNS", "CSV_MIMETYPE", "XLSX_MIMETYPE", "row_values", "to_csv", "to_xlsx"]


def row_values(entry: EntryView) -> list[Any]:
    """One entry as the export's cells, in :data:`COLUMNS` order."""
    return [REGISTER_TITLES.get(entry.register, entry.register), entry.number, entry.year,
            entry.award_label, KINDS.get(entry.recipient_kind, entry.recipient_kind),
            entry.recipient_name, entry.unit or "", entry.identifier or "",
            entry.decision_number, entry.decision_date.strftime("%d/%m/%Y"),
            STATE_TITLES.get(entry.state, entry.state), entry.issued_id, entry.job_id]


def to_csv(entries: Sequence[EntryView]) -> bytes:
    """UTF-8 with a BOM (Excel opens Vietnamese text right), one header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow([_safe_cell(v) for v in row_values(entry)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(entries: Sequence[EntryView]) -> bytes:
    """One sheet, "Sổ khen thưởng", a bold header row frozen above the entries."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "Sổ khen thưởng"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for entry in entries:
        sheet.append([_safe_cell(v) for v in row_values(entry)])
    for letter, width in zip("ABCDEFGHIJKLM", (20, 8, 6, 30, 10, 32, 40, 16, 20, 14, 24, 34, 34),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
