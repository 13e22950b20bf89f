"""The register read out: a search as a table (XLSX, CSV) with every recorded field."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from service.register.views import IssuedView

COLUMNS = ("Số, ký hiệu", "Số", "Năm", "Ngày văn bản", "Loại văn bản", "Trích yếu",
           "Cơ quan ban hành", "Người ký", "Chức vụ người ký", "Nơi nhận", "Người ban hành",
           "Thời điểm ban hành (UTC)", "SHA-256 PDF", "SHA-256 DOCX", "Đã hủy lúc (UTC)",
           "Lý do hủy", "Người hủy", "Mã")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"


def _stamp(value) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def row_values(doc: IssuedView, type_titles: dict[str, str]) -> list[Any]:
    """One document as the export's cells, in :data:`COLUMNS` order."""
    return [doc.number_symbol, doc.number, doc.year, doc.date.strftime("%d/%m/%Y"),
            type_titles.get(doc.document_type, doc.document_type), doc.summary,
            doc.issuer_name, doc.signer_name, doc.signer_position.replace("\n", " "),
            "; ".join(doc.recipients), doc.issued_by, _stamp(doc.issued_at),
            doc.sha256["pdf"] or "", doc.sha256["docx"] or "", _stamp(doc.voided_at),
            doc.void_reason or "", doc.voided_by or "", doc.id]


def _safe_cell(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula is kept as text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(docs: Sequence[IssuedView], type_titles: dict[str, str]) -> bytes:
    """UTF-8 with a BOM (Excel opens Vietnamese text right), one header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for doc in docs:
        writer.writerow([_safe_cell(v) for v in row_values(doc, type_titles)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(docs: Sequence[IssuedView], type_titles: dict[str, str]) -> bytes:
    """One sheet, "Sổ đăng ký", a bold header row frozen above the entries."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Sổ đăng ký"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for doc in docs:
        sheet.append([_safe_cell(v) for v in row_values(doc, type_titles)])
    widths = {"A": 20, "D": 12, "E": 22, "F": 60, "G": 30, "H": 22, "I": 22, "J": 40}
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
