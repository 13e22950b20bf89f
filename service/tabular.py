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
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import re
import time
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields

from schemas import base
from service.errors import FieldError, Problem, validation_problem
from service.vn.fold import fold_key

MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_SHEET_CELLS = 2_000_000    # cells (filled or only styled) read from one XLSX sheet
BLANK_ROWS_END = 1000          # this many blank rows in a row end the list: the rest is not read
READ_BUDGET_S = 60.0           # seconds reading one upload may take (THIDUA_UPLOAD_READ_TIMEOUT_S)
HEADER_SEARCH_ROWS = 15
IGNORED_HEADERS = {fold_key(h) for h in ("STT", "TT", "Số TT", "Số thứ tự", "Ghi chú")}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Column:
    """A payload field a spreadsheet column can fill."""

    path: tuple[str, ...]   # ("recipient_name",) or ("signer", "name")
    title: str
    field: fields.Field


@dataclass
class Table:
    """Items read from a file, with the spreadsheet row number of each."""

    items: list[dict[str, Any]]
    rows: list[int]
    columns: list[str]      # the dotted field path of each mapped column, in file order


def _problem(code: str, title: str, detail: str) -> Problem:
    return Problem(422, code, title, detail)


# ---------------------------------------------------------------- schema-driven headers

def schema_columns(schema_cls: type[Schema], prefix: tuple[str, ...] = (),
                   title_prefix: str = "") -> list[Column]:
    """Every scalar field of a schema (nested ones as ``parent.child``)."""
    out = []
    for name, field in schema_cls().fields.items():
        key = field.data_key or name
        title = field.metadata.get("title", key)
        if isinstance(field, fields.Nested):
            nested = field.nested if isinstance(field.nested, type) else type(field.schema)
            out.extend(schema_columns(nested, (*prefix, key), f"{title_prefix}{title} - "))
        elif not isinstance(field, fields.List):
            out.append(Column((*prefix, key), f"{title_prefix}{title}", field))
    return out


def header_lookup(schema_cls: type[Schema]) -> dict[str, Column]:
    """Folded header text → column: the dotted name, the title, each alias."""
    lookup: dict[str, Column] = {}
    for column in schema_columns(schema_cls):
        field = column.field
        names = [".".join(column.path), column.path[-1], column.title,
                 *field.metadata.get("aliases", ())]
        if len(column.path) > 1:
            names.remove(column.path[-1])  # "name" alone must not mean signer.name
            names.append(field.metadata.get("title", column.path[-1]))
        for name in names:
            lookup.setdefault(fold_key(name), column)
    return lookup


# ---------------------------------------------------------------- cell values

_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def cell_value(value: Any, field: fields.Field, number_format: str | None = None) -> Any:
    """A cell as the JSON value the field expects (strings stay strings: leading zeros)."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if isinstance(field, base.IsoDate):
            match = _DMY.fullmatch(text)
            if match:
                day, month, year = (int(g) for g in match.groups())
                return f"{year:04d}-{month:02d}-{day:02d}"
        if isinstance(field, base.StrictInt) and re.fullmatch(r"-?\d+", text):
            return int(text)
        if isinstance(field, base.Flag):
            folded = fold_key(text)
            if folded in ("co", "x", "true", "1", "yes"):
                return True
            if folded in ("khong", "false", "0", "no"):
                return False
        return text
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return day.isoformat() if isinstance(field, base.IsoDate) else day.strftime("%d/%m/%Y")
    if isinstance(value, int | float):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(field, base.StrictInt | fields.Float | fields.Integer):
            return value
        text = str(value)
        if isinstance(value, int) and number_format and re.fullmatch(r"0+", number_format):
            text = text.zfill(len(number_format))  # "0000" keeps the register's zeros
        return text
    return str(value)


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


def build_items(doc_schema: type[Schema], records: Iterable[tuple[int, list[Any], list[Any]]],
                *, max_rows: int = MAX_ROWS, hidden_columns: Iterable[int] = (),
                merged_across: Iterable[tuple[int, int, int]] = ()) -> Table:
    """Turn ``(row number, values, number formats)`` records (header first, possibly after
    title rows) into items. Blank rows are skipped. ``hidden_columns`` (0-based) and
    ``merged_across`` (row, first and last 0-based column of a merge across columns) are
    refused where they touch the header's columns or the data."""
    lookup = header_lookup(doc_schema)
    iterator = iter(records)
    preview: list[tuple[int, list[Any], list[Any]]] = []
    for record in iterator:  # the header: the first row naming two known columns, else the
        preview.append(record)  # first of the first rows that names most known columns
        if _known(record[1], lookup) >= 2 or len(preview) >= HEADER_SEARCH_ROWS:
            break
    counts = [_known(r[1], lookup) for r in preview]
    best = max(counts, default=0)
    if best == 0:
        raise _problem("header_not_found", "Không tìm thấy dòng tiêu đề",
                       "Không thấy dòng tiêu đề cột (ví dụ: Họ và tên, Chức vụ, Đơn vị) trong "
                       f"{HEADER_SEARCH_ROWS} dòng đầu. Hãy dùng tệp mẫu.")
    position = next(i for i, c in enumerate(counts) if c >= min(best, 2))
    found = (preview[position][0], preview[position][1])
    iterator = itertools.chain(preview[position + 1:], iterator)
    header_row, header_cells = found
    mapping, errors = _map_header(header_cells, lookup, header_row)
    hidden = sorted(set(hidden_columns) & set(mapping))
    errors += [FieldError(f"/columns/{column_letter(c)}", "hidden_column",
                          "Cột này đang ẩn; hiện cột (hoặc xóa nó) để biết chắc dữ liệu in ra.",
                          row=header_row, column=column_letter(c)) for c in hidden]
    if errors:
        raise validation_problem(errors, "Tiêu đề cột không hợp lệ; sửa tiêu đề rồi tải lại.")
    across: dict[int, list[tuple[int, int]]] = {}
    for row, first, last in merged_across:
        if row >= header_row:
            across.setdefault(row, []).append((first, last))
    items, rows = [], []
    for number, cells, formats in iterator:
        for first, last in across.get(number, ()):
            errors.append(FieldError(f"/rows/{number}/{column_letter(first)}", "merged_cells",
                                     f"Ô gộp {column_letter(first)}{number}:"
                                     f"{column_letter(last)}{number} trong vùng dữ liệu; hãy bỏ "
                                     "gộp ô (mỗi ô một giá trị).", row=number,
                                     column=column_letter(first)))
        item: dict[str, Any] = {}
        for index, column in mapping.items():
            raw = cells[index] if index < len(cells) else None
            fmt = formats[index] if formats and index < len(formats) else None
            value = cell_value(raw, column.field, fmt)
            if value is not None:
                _set(item, column.path, value)
        stray = [i for i, c in enumerate(cells) if i not in mapping and c not in (None, "")
                 and not (isinstance(c, str) and not c.strip())]
        if not item and not stray:
            continue  # a blank row
        if len(items) >= max_rows:
            raise Problem(413, "too_many_rows", "Danh sách quá dài",
                          f"Tối đa {max_rows} dòng mỗi tệp.")
        items.append(item)
        rows.append(number)
    if errors:
        raise validation_problem(errors, "Bảng tính có ô gộp trong vùng dữ liệu; sửa rồi tải lại.")
    if not items:
        raise validation_problem([FieldError("/items", "too_few_items",
                                             "Tệp không có dòng dữ liệu nào dưới tiêu đề.",
                                             row=header_row)])
    return Table(items, rows, [".".join(c.path) for c in mapping.values()])


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ---------------------------------------------------------------- CSV

def _decode_csv(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if raw.startswith(OLE2_MAGIC) or raw.startswith(b"PK\x03\x04"):
        raise _problem("not_csv", "Không phải tệp CSV",
                       "Tệp này là bảng tính Excel; hãy tải lên với đuôi .xlsx.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        detail = (f"Dòng {line} có byte không hợp lệ trong UTF-8. Có thể tệp được lưu bằng mã "
                  "TCVN3/VNI/Windows-1258: trong Excel chọn Lưu dạng “CSV UTF-8”.")
        raise _problem("not_utf8", "Tệp CSV không phải UTF-8", detail) from None


def _delimiter(text: str) -> str:
    # lazily: text.splitlines() built a list of every line of the file (~50 bytes a line)
    first = next((m.group() for m in re.finditer(r"[^\r\n]+", text) if m.group().strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(raw: bytes, doc_schema: type[Schema], *, max_rows: int = MAX_ROWS,
             budget: Budget | None = None) -> Table:
    budget = budget or Budget(READ_BUDGET_S)
    text = _decode_csv(raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))

    def records():
        try:
            for number, cells in enumerate(reader, start=1):
                budget.check()
                if len(cells) > MAX_COLUMNS:
                    problem = _problem("too_many_columns", "Quá nhiều cột",
                                       f"Dòng {number} có {len(cells)} cột (tối đa {MAX_COLUMNS}).")
                    problem.errors = [FieldError(f"/rows/{number}", "too_many_columns",
                                                 problem.detail, row=number)]
                    raise problem
                yield number, [c if c.strip() else None for c in cells], []
        except csv.Error as exc:
            line = reader.line_num
            message = (f"Dòng {line} có một ô dài quá {csv.field_size_limit()} ký tự (có thể do "
                       "dấu ngoặc kép không đóng)." if "field limit" in str(exc) else
                       f"Dòng {line} không đọc được theo định dạng CSV ({exc}).")
            raise Problem(422, "bad_csv", "Tệp CSV hỏng", message,
                          [FieldError(f"/rows/{line}", "bad_csv", message, row=line)]) from None

    return build_items(doc_schema, records(), max_rows=max_rows)


# ---------------------------------------------------------------- XLSX

def _check_archive(raw: bytes) -> zipfile.ZipFile:
    if raw.startswith(OLE2_MAGIC):
        raise _problem("xls_not_supported", "Không đọc được tệp Excel này",
                       "Đây là tệp Excel 97-2003 (.xls) hoặc tệp có đặt mật khẩu. Hãy mở trong "
                       "Excel, bỏ mật khẩu nếu có, rồi lưu lại dạng .xlsx.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _problem("not_xlsx", "Không phải tệp XLSX",
                       "Tệp không phải bảng tính Excel .xlsx (Office Open XML).") from None
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_ZIP_ENTRIES or total > MAX_UNCOMPRESSED:
        raise Problem(413, "xlsx_too_large", "Bảng tính quá lớn",
                      "Tệp giải nén ra quá lớn hoặc có quá nhiều thành phần.")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _problem("not_xlsx", "Không phải tệp XLSX",
                       "Tệp nén không phải bảng tính Excel .xlsx (thiếu workbook).")
    return archive


def _sheet_path(archive: zipfile.ZipFile) -> str:
    """The part name of the first worksheet (workbook order)."""
    from defusedxml import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = workbook.find("m:sheets/m:sheet", ns)
    rid = sheet.get(f"{{{ns['r']}}}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Id") == rid:
            target = rel.get("Target").lstrip("/")
            return target if target.startswith("xl/") else f"xl/{target}"
    raise _problem("not_xlsx", "Không phải tệp XLSX", "Không tìm thấy trang tính đầu tiên.")


@dataclass
class _SheetFacts:
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


class Budget:
    """The time one upload may take to read; past it, 413 (checked once a row)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise Problem(413, "upload_too_slow", "Bảng tính quá phức tạp",
                          f"Không đọc xong tệp trong {self.seconds:g} giây; hãy xóa các hàng, "
                          "cột và định dạng thừa (chỉ giữ bảng danh sách) rồi tải lại.")


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class _FactsReader:
    """One streaming pass over the sheet XML (the declared dimension is never trusted). It
    stops at the first row with a value past the row cap (413), after BLANK_ROWS_END blank
    rows in a row (the rest of the sheet data is skipped unparsed), past MAX_SHEET_CELLS
    cells (413), or when the upload's time budget is spent (413)."""

    def __init__(self, max_rows: int, budget: Budget) -> None:
        self.facts = _SheetFacts(set(), set(), [], [])
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
            problem = _problem("too_many_columns", "Quá nhiều cột",
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


def _sheet_facts(archive: zipfile.ZipFile, path: str, max_rows: int = MAX_ROWS,
                 budget: Budget | None = None) -> _SheetFacts:
    """What openpyxl's streaming reader does not tell: hidden rows/columns, merged ranges,
    formulas without a cached value, the width and the length worth reading."""
    reader = _FactsReader(max_rows, budget or Budget(READ_BUDGET_S))
    with archive.open(path) as handle:
        finished = reader.read(handle)
    if not finished:
        with archive.open(path) as handle:
            tail = _after_sheet_data(handle, reader.budget)
        reader.row = reader.data = None
        reader.read(io.BytesIO(tail))
    return reader.facts


def read_xlsx(raw: bytes, doc_schema: type[Schema], *, max_rows: int = MAX_ROWS,
              budget: Budget | None = None) -> Table:
    from openpyxl import load_workbook

    budget = budget or Budget(READ_BUDGET_S)
    archive = _check_archive(raw)
    try:
        facts = _sheet_facts(archive, _sheet_path(archive), max_rows, budget)
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Problem:
        raise
    except Exception:  # XML bombs, DTDs, broken parts: defusedxml and openpyxl raise many types
        detail = "Không đọc được bảng tính (tệp hỏng hoặc có nội dung không an toàn)."
        raise _problem("bad_xlsx", "Tệp XLSX hỏng", detail) from None
    try:
        sheet = workbook.worksheets[0]
        errors = _facts_errors(facts)
        if errors:
            raise validation_problem(errors, "Bảng tính có ô gộp nhiều hàng và cột hoặc công "
                                             "thức chưa tính; sửa rồi tải lại.")
        table = build_items(
            doc_schema, _with_merged_values(_xlsx_records(sheet, facts, max_rows, budget), facts),
            max_rows=max_rows, hidden_columns={c - 1 for c in facts.hidden_columns},
            merged_across=[(r1, c1 - 1, c2 - 1) for r1, c1, r2, c2 in facts.merged
                           if c1 != c2 and r1 == r2])
    finally:
        workbook.close()
    hidden = sorted(set(table.rows) & facts.hidden_rows)
    if hidden:
        raise validation_problem([FieldError(f"/rows/{r}", "hidden_row",
                                             "Hàng này đang ẩn (bộ lọc?); hiện hàng hoặc xóa nó.",
                                             row=r) for r in hidden[:200]])
    return table


def _xlsx_records(sheet, facts: _SheetFacts, max_rows: int, budget: Budget):
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


def _facts_errors(facts: _SheetFacts) -> list[FieldError]:
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


def _with_merged_values(records, facts: _SheetFacts):
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


# ---------------------------------------------------------------- entry points

def read_table(raw: bytes, filename: str, doc_schema: type[Schema], *,
               max_rows: int = MAX_ROWS, budget_s: float = READ_BUDGET_S) -> Table:
    """Items from an uploaded ``.csv`` or ``.xlsx`` (chosen by name, checked by content),
    read within ``budget_s`` seconds (else 413)."""
    name = filename.lower()
    budget = Budget(budget_s)
    if name.endswith(".xlsx"):
        return read_xlsx(raw, doc_schema, max_rows=max_rows, budget=budget)
    if name.endswith(".csv") or name.endswith(".txt"):
        return read_csv(raw, doc_schema, max_rows=max_rows, budget=budget)
    if name.endswith((".xls", ".xlsm", ".xlsb", ".ods")):
        raise _problem("unsupported_file", "Định dạng tệp không hỗ trợ",
                       "Chỉ nhận .xlsx hoặc .csv (UTF-8). Hãy lưu lại bảng tính dạng .xlsx.")
    raise _problem("unsupported_file", "Định dạng tệp không hỗ trợ",
                   "Chỉ nhận tệp .xlsx, .csv hoặc .json.")


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
