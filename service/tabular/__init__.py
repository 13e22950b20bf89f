"""Spreadsheets as clerks really make them → batch items (CSV and XLSX), and XLSX templates.

Column headers are matched against the document schema's own field metadata (field name,
``title`` and ``aliases``), compared without diacritics, case or punctuation: ``Họ và tên``,
``HO VA TEN`` and ``ho_va_ten`` are the same column. Any document type gets this for free.

What is handled: UTF-8 with or without BOM (and UTF-16 with BOM); comma, semicolon or tab
separators; title rows above the header; blank rows (skipped); leading zeros (text is kept as
text; a number cell formatted ``0000`` keeps its zeros); dates as date cells or dd/mm/yyyy;
cells merged down a group of rows (the value fills the group). What is refused with the row
and column: hidden rows and columns, formulas Excel never calculated, merged cells across
columns in data rows, unknown or duplicated columns, legacy TCVN3/VNI text (by the schema's
text rules), ``.xls``/password-protected/non-OOXML files, too many rows or oversized archives.

The parts: :mod:`~service.tabular.columns` (schema-driven columns), :mod:`~service.tabular.cells`
(a cell as the value its field expects), :mod:`~service.tabular.items` (header row and data
rows → items), :mod:`~service.tabular.csv_file`, :mod:`~service.tabular.xlsx_archive`,
:mod:`~service.tabular.xlsx_facts` and :mod:`~service.tabular.xlsx_rows` (reading the two
formats, with their safety checks), :mod:`~service.tabular.template` (blank templates) and
:mod:`~service.tabular.limits`. This module reads an upload (:func:`read_table`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from marshmallow import Schema

from service.errors import FieldError, Problem, validation_problem
from service.tabular.cells import cell_value
from service.tabular.columns import Column, Table, column_letter, header_lookup, schema_columns
from service.tabular.csv_file import csv_records
from service.tabular.items import IGNORED_HEADERS, build_items
from service.tabular.limits import (
    BLANK_ROWS_END,
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNCOMPRESSED,
    MAX_ZIP_ENTRIES,
    OLE2_MAGIC,
    READ_BUDGET_S,
    Budget,
    refusal,
)
from service.tabular.template import FORMULA_TRIGGERS, safe_cell, xlsx_template
from service.tabular.xlsx_archive import check_archive, sheet_path
from service.tabular.xlsx_facts import MAX_SHEET_CELLS, sheet_facts
from service.tabular.xlsx_rows import facts_errors, with_merged_values, xlsx_records

Aliases = Mapping[str, Sequence[str]]

__all__ = ["BLANK_ROWS_END", "FORMULA_TRIGGERS", "HEADER_SEARCH_ROWS", "IGNORED_HEADERS",
           "MAX_COLUMNS", "MAX_ROWS", "MAX_SHEET_CELLS", "MAX_UNCOMPRESSED", "MAX_ZIP_ENTRIES",
           "OLE2_MAGIC", "READ_BUDGET_S", "Budget", "Column", "Table", "build_items",
           "cell_value", "column_letter", "header_lookup", "read_csv", "read_table",
           "read_xlsx", "safe_cell", "schema_columns", "xlsx_template"]


def read_csv(raw: bytes, doc_schema: type[Schema], *, max_rows: int = MAX_ROWS,
             budget: Budget | None = None, aliases: Aliases | None = None) -> Table:
    budget = budget or Budget(READ_BUDGET_S)
    return build_items(doc_schema, csv_records(raw, budget), max_rows=max_rows, aliases=aliases)


def read_xlsx(raw: bytes, doc_schema: type[Schema], *, max_rows: int = MAX_ROWS,
              budget: Budget | None = None, aliases: Aliases | None = None) -> Table:
    from openpyxl import load_workbook

    budget = budget or Budget(READ_BUDGET_S)
    archive = check_archive(raw)
    try:
        facts = sheet_facts(archive, sheet_path(archive), max_rows, budget)
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Problem:
        raise
    except Exception:  # XML bombs, DTDs, broken parts: defusedxml and openpyxl raise many types
        detail = "Không đọc được bảng tính (tệp hỏng hoặc có nội dung không an toàn)."
        raise refusal("bad_xlsx", "Tệp XLSX hỏng", detail) from None
    try:
        sheet = workbook.worksheets[0]
        errors = facts_errors(facts)
        if errors:
            raise validation_problem(errors, "Bảng tính có ô gộp nhiều hàng và cột hoặc công "
                                             "thức chưa tính; sửa rồi tải lại.")
        table = build_items(
            doc_schema, with_merged_values(xlsx_records(sheet, facts, max_rows, budget), facts),
            max_rows=max_rows, hidden_columns={c - 1 for c in facts.hidden_columns},
            merged_across=[(r1, c1 - 1, c2 - 1) for r1, c1, r2, c2 in facts.merged
                           if c1 != c2 and r1 == r2], aliases=aliases)
    finally:
        workbook.close()
    hidden = sorted(set(table.rows) & facts.hidden_rows)
    if hidden:
        raise validation_problem([FieldError(f"/rows/{r}", "hidden_row",
                                             "Hàng này đang ẩn (bộ lọc?); hiện hàng hoặc xóa nó.",
                                             row=r) for r in hidden[:200]])
    return table


def read_table(raw: bytes, filename: str, doc_schema: type[Schema], *,
               max_rows: int = MAX_ROWS, budget_s: float = READ_BUDGET_S,
               aliases: Aliases | None = None) -> Table:
    """Items from an uploaded ``.csv`` or ``.xlsx`` (chosen by name, checked by content),
    read within ``budget_s`` seconds (else 413). ``aliases``: more header names by dotted
    field path (a list's reader adds the words clerks head its columns with)."""
    name = filename.lower()
    budget = Budget(budget_s)
    if name.endswith(".xlsx"):
        return read_xlsx(raw, doc_schema, max_rows=max_rows, budget=budget, aliases=aliases)
    if name.endswith(".csv") or name.endswith(".txt"):
        return read_csv(raw, doc_schema, max_rows=max_rows, budget=budget, aliases=aliases)
    if name.endswith((".xls", ".xlsm", ".xlsb", ".ods")):
        raise refusal("unsupported_file", "Định dạng tệp không hỗ trợ",
                      "Chỉ nhận .xlsx hoặc .csv (UTF-8). Hãy lưu lại bảng tính dạng .xlsx.")
    raise refusal("unsupported_file", "Định dạng tệp không hỗ trợ",
                  "Chỉ nhận tệp .xlsx, .csv hoặc .json.")
