"""CSV uploads: encoding (UTF-8 with or without BOM, UTF-16 with BOM), separator, rows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from service.errors import FieldError, Problem
from service.tabular.limits import MAX_COLUMNS, OLE2_MAGIC, Budget, refusal


def _decode_csv(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if raw.startswith(OLE2_MAGIC) or raw.startswith(b"PK\x03\x04"):
        raise refusal("not_csv", "Không phải tệp CSV",
                      "Tệp này là bảng tính Excel; hãy tải lên với đuôi .xlsx.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        detail = (f"Dòng {line} có byte không hợp lệ trong UTF-8. Có thể tệp được lưu bằng mã "
                  "TCVN3/VNI/Windows-1258: trong Excel chọn Lưu dạng “CSV UTF-8”.")
        raise refusal("not_utf8", "Tệp CSV không phải UTF-8", detail) from None


def _delimiter(text: str) -> str:
    # lazily: text.splitlines() built a list of every line of the file (~50 bytes a line)
    first = next((m.group() for m in re.finditer(r"[^\r\n]+", text) if m.group().strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_records(raw: bytes, budget: Budget) -> Iterator[tuple[int, list[Any], list[Any]]]:
    """The rows of a CSV file as ``(row number, values, number formats)`` records."""
    text = _decode_csv(raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))

    def records():
        try:
            for number, cells in enumerate(reader, start=1):
                budget.check()
                if len(cells) > MAX_COLUMNS:
                    problem = refusal("too_many_columns", "Quá nhiều cột",
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

    return records()
