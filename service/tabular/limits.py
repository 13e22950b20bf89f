"""What reading one upload may cost: rows, columns, archive size, time."""

from __future__ import annotations

import time

from service.errors import Problem

MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
BLANK_ROWS_END = 1000          # this many blank rows in a row end the list: the rest is not read
READ_BUDGET_S = 60.0           # seconds reading one upload may take (THIDUA_UPLOAD_READ_TIMEOUT_S)
HEADER_SEARCH_ROWS = 15
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def refusal(code: str, title: str, detail: str) -> Problem:
    """A file that cannot be read as a list (422)."""
    return Problem(422, code, title, detail)


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
