"""One streaming pass over an XLSX sheet's XML for what openpyxl's streaming reader does not
tell: hidden rows and columns, merged ranges, formulas without a cached value, the width and
the length worth reading. It refuses oversized sheets early (cells, rows, columns, time)."""

from __future__ import annotations

import functools
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from service.errors import FieldError, Problem
from service.tabular.columns import column_letter
from service.tabular.limits import (
    BLANK_ROWS_END,
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    MAX_ROWS,
    READ_BUDGET_S,
    Budget,
    refusal,
)

MAX_SHEET_CELLS = 2_000_000    # cells (filled or only styled) read from one XLSX sheet


@dataclass
class SheetFacts:
    hidden_columns: set[int]
    hidden_rows: set[int]
    merged: list[tuple[int, int, int, int]]     # min_row, min_col, max_row, max_col (1-based)
    uncalculated: list[tuple[int, int]]         # formula cells without a cached value
    width: int = 1                              # the rightmost column holding a value
    last_row: int | None = None                 # reading stops here (a long run of blank rows)


@functools.lru_cache(maxsize=1024)
def _column_number(letters: str) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col


def _ref(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    return int(match.group(2)), _column_number(match.group(1))


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class FactsReader:
    """One streaming pass over the sheet XML (the declared dimension is never trusted). It
    stops at the first row with a value past the row cap (413), after BLANK_ROWS_END blank
    rows in a row (the rest of the sheet data is skipped unparsed), past MAX_SHEET_CELLS
    cells (413), or when the upload's time budget is spent (413)."""

    def __init__(self, max_rows: int, budget: Budget) -> None:
        self.facts = SheetFacts(set(), set(), [], [])
        self.last_allowed = max_rows + HEADER_SEARCH_ROWS + 1  # as read_xlsx's records()
        self.max_rows, self.budget = max_rows, budget
        self.cells = self.number = self.last_filled = self.column = 0
        self.row_has_value = False
        self.row: Any = None
        self.data: Any = None

    def start(self, element) -> None:
        if element.tag == f"{_MAIN}row":
            self.row, self.column, self.row_has_value = element, 0, False
            self.number = int(element.get("r") or self.number + 1)
        elif element.tag == f"{_MAIN}sheetData":
            self.data = element

    def cell(self, element) -> None:
        self.cells += 1
        if self.cells > MAX_SHEET_CELLS:
            raise Problem(413, "too_many_cells", "Bảng tính quá lớn",
                          f"Trang tính có hơn {MAX_SHEET_CELLS} ô; hãy xóa các ô, hàng và cột "
                          "thừa (kể cả ô chỉ có định dạng) rồi tải lại.")
        ref = element.get("r")
        self.column = _column_number(ref.rstrip("0123456789")) if ref else self.column + 1
        cached = element.find(f"{_MAIN}v")
        if element.find(f"{_MAIN}f") is not None and (cached is None or not cached.text):
            self.facts.uncalculated.append((self.number, self.column))
        if (cached is not None and cached.text) or element.find(f"{_MAIN}is") is not None:
            self.row_has_value = True
            self._widen(self.column)
        if self.row is not None:
            self.row.remove(element)  # a row of a million cells never sits in memory

    def _widen(self, column: int) -> None:
        if column > MAX_COLUMNS:  # never drop a filled cell without a word
            where = column_letter(column - 1)
            problem = refusal("too_many_columns", "Quá nhiều cột",
                              f"Dòng {self.number} có dữ liệu ở cột {where}, ngoài "
                              f"{MAX_COLUMNS} cột được đọc; xóa các cột thừa.")
            problem.errors = [FieldError(f"/rows/{self.number}/{where}", "too_many_columns",
                                         problem.detail, row=self.number, column=where)]
            raise problem
        self.facts.width = max(self.facts.width, column)

    def end_row(self, element) -> bool:
        """False once reading stops before this row (after a long run of blank rows)."""
        self.budget.check()
        if element.get("hidden") in ("1", "true"):
            self.facts.hidden_rows.add(self.number)
        if self.data is not None:
            self.data.remove(element)  # nor do a million read rows
        self.row = None
        if self.number - self.last_filled > BLANK_ROWS_END:
            self.facts.last_row = max(self.last_filled, 1)
            return False
        if self.row_has_value:
            if self.number > self.last_allowed:
                raise Problem(413, "too_many_rows", "Danh sách quá dài",
                              f"Tối đa {self.max_rows} dòng mỗi tệp.")
            self.last_filled = self.number
        return True

    def other(self, element) -> None:
        tag = element.tag
        if tag == f"{_MAIN}col" and element.get("hidden") in ("1", "true"):
            self.facts.hidden_columns.update(range(int(element.get("min")),
                                                   min(int(element.get("max")), 16384) + 1))
        elif tag == f"{_MAIN}mergeCell":
            self.budget.check()
            (r1, c1), (r2, c2) = (_ref(p) for p in element.get("ref").split(":"))
            self.facts.merged.append((r1, c1, r2, c2))

    def read(self, source) -> bool:
        """Feed ``source``; False if it stopped before the end of the sheet data."""
        from defusedxml.ElementTree import iterparse

        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                self.start(element)
            elif element.tag == f"{_MAIN}c":
                self.cell(element)
            elif element.tag == f"{_MAIN}row":
                if not self.end_row(element):
                    return False
            else:
                self.other(element)
        return True


_ROOT = re.compile(rb"<(?:[\w.-]+:)?worksheet\b[^>]*>")
_END_OF_DATA = re.compile(rb"</(?:[\w.-]+:)?sheetData\s*>")


def _after_sheet_data(handle, budget: Budget) -> bytes:
    """The sheet's root start tag and everything after its sheet data (merged ranges come
    there), found by a plain byte search: the skipped rows are never parsed."""
    head = handle.read(64 * 1024)
    root = _ROOT.search(head)
    if root is None:
        raise ValueError("no worksheet root")
    window = head
    while (found := _END_OF_DATA.search(window)) is None:
        budget.check()
        block = handle.read(1024 * 1024)
        if not block:
            raise ValueError("sheet data never ends")
        window = window[-64:] + block
    return root.group() + window[found.end():] + handle.read()


def sheet_facts(archive: zipfile.ZipFile, path: str, max_rows: int = MAX_ROWS,
                 budget: Budget | None = None) -> SheetFacts:
    """What openpyxl's streaming reader does not tell: hidden rows/columns, merged ranges,
    formulas without a cached value, the width and the length worth reading."""
    reader = FactsReader(max_rows, budget or Budget(READ_BUDGET_S))
    with archive.open(path) as handle:
        finished = reader.read(handle)
    if not finished:
        with archive.open(path) as handle:
            tail = _after_sheet_data(handle, reader.budget)
        reader.row = reader.data = None
        reader.read(io.BytesIO(tail))
    return reader.facts
