"""The rows of an XLSX sheet as records, with what the facts pass found: values of ranges
merged down a column filled in, merges across rows and columns and uncalculated formulas
reported."""

from __future__ import annotations

from typing import Any

from service.errors import FieldError, Problem
from service.tabular.columns import column_letter
from service.tabular.limits import HEADER_SEARCH_ROWS, Budget
from service.tabular.xlsx_facts import SheetFacts


def xlsx_records(sheet, facts: SheetFacts, max_rows: int, budget: Budget):
    """The rows openpyxl reads, as wide as the widest filled cell and as long as the facts
    pass read: the declared dimension (``A1:XFD1048576`` pads every row to 16.384 cells) is
    ignored."""
    sheet.reset_dimensions()
    rows = sheet.iter_rows(min_row=1, max_row=facts.last_row, min_col=1, max_col=facts.width)
    for number, row in enumerate(rows, start=1):
        budget.check()
        values = [getattr(cell, "value", None) for cell in row]
        formats = [getattr(cell, "number_format", None) for cell in row]
        if number > max_rows + HEADER_SEARCH_ROWS + 1 and any(v is not None for v in values):
            raise Problem(413, "too_many_rows", "Danh sách quá dài",
                          f"Tối đa {max_rows} dòng mỗi tệp.")
        yield number, values, formats


def facts_errors(facts: SheetFacts) -> list[FieldError]:
    errors = [FieldError(f"/rows/{r}/{column_letter(c - 1)}", "formula_not_calculated",
                         "Ô có công thức nhưng chưa có giá trị đã tính; mở tệp trong Excel và "
                         "lưu lại.", row=r, column=column_letter(c - 1))
              for r, c in facts.uncalculated[:200]]
    for r1, c1, r2, c2 in facts.merged:
        if c1 != c2 and r2 > r1:
            errors.append(FieldError(f"/rows/{r1}/{column_letter(c1 - 1)}", "merged_cells",
                                     f"Ô gộp {column_letter(c1 - 1)}{r1}:{column_letter(c2 - 1)}"
                                     f"{r2} trải nhiều hàng và nhiều cột; hãy bỏ gộp ô.",
                                     row=r1, column=column_letter(c1 - 1)))
    return errors


def with_merged_values(records, facts: SheetFacts):
    """Copy the value of a range merged down one column (a unit shared by a group of people)
    into every row it covers."""
    vertical = [(r1, c1, r2) for r1, c1, r2, c2 in facts.merged if c1 == c2 and r2 > r1]
    held: dict[tuple[int, int], Any] = {}
    for number, values, formats in records:
        for r1, c1, r2 in vertical:
            if number == r1 and c1 - 1 < len(values):
                held[(r1, c1)] = values[c1 - 1]
            elif r1 < number <= r2 and (r1, c1) in held:
                while len(values) < c1:
                    values.append(None)
                    formats.append(None)
                if values[c1 - 1] is None:
                    values[c1 - 1] = held[(r1, c1)]
        yield number, values, formats
