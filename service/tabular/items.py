"""The header row and the data rows of a spreadsheet → batch items.

The header is the first row naming two known columns (else, of the first rows, the one that
names most); columns are matched by :func:`~service.tabular.columns.header_lookup`. Unknown,
duplicated and hidden columns are refused, as are cells merged across columns in the data.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from marshmallow import Schema

from service.errors import FieldError, Problem, validation_problem
from service.tabular.cells import cell_value
from service.tabular.columns import Column, Table, column_letter, header_lookup
from service.tabular.limits import HEADER_SEARCH_ROWS, MAX_ROWS, refusal
from service.vn.fold import fold_key

IGNORED_HEADERS = {fold_key(h) for h in ("STT", "TT", "Số TT", "Số thứ tự", "Ghi chú")}

Record = tuple[int, list[Any], list[Any]]  # row number, values, number formats


def _set(item: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        item = item.setdefault(key, {})
    item[path[-1]] = value


# ---------------------------------------------------------------- header row and rows

def _map_header(cells: list[Any], lookup: Mapping[str, Column], row: int
                ) -> tuple[dict[int, Column], list[FieldError]]:
    mapping: dict[int, Column] = {}
    errors: list[FieldError] = []
    seen: dict[tuple[str, ...], int] = {}
    from service import vn

    for index, cell in enumerate(cells):
        text = str(cell).strip() if cell is not None else ""
        if not text or fold_key(text) in IGNORED_HEADERS:
            continue
        column = lookup.get(fold_key(text))
        letter = column_letter(index)
        if column is None:
            legacy = vn.detect_legacy_encoding(text)
            message = (f"Tiêu đề cột “{text[:40]}” là văn bản mã {legacy} cũ; hãy chuyển sang "
                       f"Unicode (dựng sẵn) rồi lưu lại." if legacy else
                       f"Không nhận ra cột “{text[:40]}”. Dùng tiêu đề trong tệp mẫu.")
            errors.append(FieldError(f"/columns/{letter}", "unknown_column", message, row=row,
                                     column=letter))
            continue
        if column.path in seen:
            errors.append(FieldError(f"/columns/{letter}", "duplicate_column",
                                     f"Cột “{text[:40]}” trùng với cột "
                                     f"{column_letter(seen[column.path])}.", row=row,
                                     column=letter))
            continue
        seen[column.path] = index
        mapping[index] = column
    return mapping, errors


def _known(cells: list[Any], lookup: Mapping[str, Column]) -> int:
    return sum(1 for c in cells if c is not None and lookup.get(fold_key(str(c).strip())))


def build_items(doc_schema: type[Schema], records: Iterable[Record],
                *, max_rows: int = MAX_ROWS, hidden_columns: Iterable[int] = (),
                merged_across: Iterable[tuple[int, int, int]] = (),
                aliases: Mapping[str, Sequence[str]] | None = None) -> Table:
    """Turn ``(row number, values, number formats)`` records (header first, possibly after
    title rows) into items. Blank rows are skipped. ``hidden_columns`` (0-based) and
    ``merged_across`` (row, first and last 0-based column of a merge across columns) are
    refused where they touch the header's columns or the data. ``aliases``: more header
    names by dotted field path."""
    lookup = header_lookup(doc_schema, aliases)
    (header_row, header_cells), iterator = _find_header(iter(records), lookup)
    mapping = _header_columns(header_cells, lookup, header_row, hidden_columns)
    across: dict[int, list[tuple[int, int]]] = {}
    for row, first, last in merged_across:
        if row >= header_row:
            across.setdefault(row, []).append((first, last))
    items, rows, errors = _data_rows(iterator, mapping, across, max_rows)
    if errors:
        raise validation_problem(errors, "Bảng tính có ô gộp trong vùng dữ liệu; sửa rồi tải lại.")
    if not items:
        raise validation_problem([FieldError("/items", "too_few_items",
                                             "Tệp không có dòng dữ liệu nào dưới tiêu đề.",
                                             row=header_row)])
    letters = {".".join(c.path): column_letter(i) for i, c in mapping.items()}
    titles = {column_letter(i): str(header_cells[i]).strip() for i in mapping}
    return Table(items, rows, list(letters), letters, titles)


def _find_header(iterator: Iterator[Record], lookup: Mapping[str, Column]
                 ) -> tuple[tuple[int, list[Any]], Iterator[Record]]:
    """The header row (number, cells) and the records after it."""
    preview: list[Record] = []
    for record in iterator:  # the header: the first row naming two known columns, else the
        preview.append(record)  # first of the first rows that names most known columns
        if _known(record[1], lookup) >= 2 or len(preview) >= HEADER_SEARCH_ROWS:
            break
    counts = [_known(r[1], lookup) for r in preview]
    best = max(counts, default=0)
    if best == 0:
        raise refusal("header_not_found", "Không tìm thấy dòng tiêu đề",
                      "Không thấy dòng tiêu đề cột (ví dụ: Họ và tên, Chức vụ, Đơn vị) trong "
                      f"{HEADER_SEARCH_ROWS} dòng đầu. Hãy dùng tệp mẫu.")
    position = next(i for i, c in enumerate(counts) if c >= min(best, 2))
    found = (preview[position][0], preview[position][1])
    return found, itertools.chain(preview[position + 1:], iterator)


def _header_columns(cells: list[Any], lookup: Mapping[str, Column], header_row: int,
                    hidden_columns: Iterable[int]) -> dict[int, Column]:
    """Column index → field of the header row; refuses unknown, duplicated, hidden ones."""
    mapping, errors = _map_header(cells, lookup, header_row)
    hidden = sorted(set(hidden_columns) & set(mapping))
    errors += [FieldError(f"/columns/{column_letter(c)}", "hidden_column",
                          "Cột này đang ẩn; hiện cột (hoặc xóa nó) để biết chắc dữ liệu in ra.",
                          row=header_row, column=column_letter(c)) for c in hidden]
    if errors:
        raise validation_problem(errors, "Tiêu đề cột không hợp lệ; sửa tiêu đề rồi tải lại.")
    return mapping


def _data_rows(iterator: Iterator[Record], mapping: dict[int, Column],
               across: Mapping[int, list[tuple[int, int]]], max_rows: int
               ) -> tuple[list[dict[str, Any]], list[int], list[FieldError]]:
    """The items of the rows under the header, their row numbers, and the merged-cell errors."""
    items, rows, errors = [], [], []
    for number, cells, formats in iterator:
        for first, last in across.get(number, ()):
            errors.append(FieldError(f"/rows/{number}/{column_letter(first)}", "merged_cells",
                                     f"Ô gộp {column_letter(first)}{number}:"
                                     f"{column_letter(last)}{number} trong vùng dữ liệu; hãy bỏ "
                                     "gộp ô (mỗi ô một giá trị).", row=number,
                                     column=column_letter(first)))
        item = _row_item(cells, formats, mapping)
        if not item and not _has_stray_values(cells, mapping):
            continue  # a blank row
        if len(items) >= max_rows:
            raise Problem(413, "too_many_rows", "Danh sách quá dài",
                          f"Tối đa {max_rows} dòng mỗi tệp.")
        items.append(item)
        rows.append(number)
    return items, rows, errors


def _row_item(cells: list[Any], formats: list[Any], mapping: dict[int, Column]
              ) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for index, column in mapping.items():
        raw = cells[index] if index < len(cells) else None
        fmt = formats[index] if formats and index < len(formats) else None
        value = cell_value(raw, column.field, fmt)
        if value is not None:
            _set(item, column.path, value)
    return item


def _has_stray_values(cells: list[Any], mapping: dict[int, Column]) -> bool:
    """A value in a column the header does not map (the row is not blank)."""
    return bool([i for i, c in enumerate(cells) if i not in mapping and c not in (None, "")
                 and not (isinstance(c, str) and not c.strip())])
