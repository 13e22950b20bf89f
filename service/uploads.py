"""Checks on uploaded Office files before any parser sees them.

DOCX and XLSX files are ZIP archives of XML. Before openpyxl or python-docx opens one,
:func:`check_ooxml` verifies, reading the archive itself (not trusting what it declares):

* the bytes are a ZIP at all (an executable named ``.xlsx``, an old ``.xls`` or a
  password-protected OOXML file — both OLE2 containers — get their own clear messages);
* the entry count, each entry's and the total uncompressed size, and the compression ratio
  stay under limits, measured while inflating, so a zip bomb stops early;
* no two entries overlap (the "quoted-overlap" bomb, CVE-2024-0450, which the zipfile module
  of Python < 3.11.8 does not reject itself);
* ``[Content_Types].xml`` is present (a plain ZIP is not an Office file);
* no part declares a DOCTYPE or an ENTITY (XXE, billion laughs): every part is scanned
  whole, whatever its name, UTF-16 parts too (not just the first bytes of ``.xml`` files).

Every refusal is a :class:`~service.errors.Problem` with a stable code and a Vietnamese message.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import zipfile
from dataclasses import dataclass

from service.errors import Problem

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_UTF16_START = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 2000
    max_entry_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 200  # inflated / compressed, per entry (text XML legitimately reaches ~50)


def _refuse(code: str, detail: str, status: int = 422) -> Problem:
    return Problem(status, code, "Tệp tải lên không hợp lệ", detail)


def sniff(data: bytes) -> str:
    """``zip``, ``ole2``, ``text`` or ``unknown`` from the first bytes."""
    if data.startswith(ZIP_MAGIC) or data.startswith(b"PK\x05\x06"):
        return "zip"
    if data.startswith(OLE2_MAGIC):
        return "ole2"
    head = data[:4096]
    if b"\x00" not in head:
        return "text"
    return "unknown"


def _check_overlaps(archive: zipfile.ZipFile, size: int) -> None:
    spans = []
    for info in archive.infolist():
        start = info.header_offset
        # local header: 30 bytes + name + extra, then the compressed data
        extra_len = 0
        fp = archive.fp
        if fp is not None:
            fp.seek(start)
            header = fp.read(30)
            if len(header) == 30 and header[:4] == ZIP_MAGIC:
                name_len, extra_len = struct.unpack("<HH", header[26:30])
                end = start + 30 + name_len + extra_len + info.compress_size
            else:
                raise _refuse("zip_corrupt", "Tệp nén bị hỏng (mục không có phần đầu hợp lệ).")
        else:  # pragma: no cover
            end = start + info.compress_size
        if end > size:
            raise _refuse("zip_corrupt", "Tệp nén bị hỏng (mục vượt quá kích thước tệp).")
        spans.append((start, end))
    spans.sort()
    for (_a_start, a_end), (b_start, _b_end) in itertools.pairwise(spans):
        if b_start < a_end:
            raise _refuse("zip_bomb", "Tệp nén có các mục chồng lên nhau (kiểu “zip bomb”).")


def check_ooxml(data: bytes, *, kind: str = "xlsx", limits: ZipLimits | None = None) -> None:
    """Raise a 4xx Problem unless ``data`` is a sane OOXML package.

    :param kind: ``xlsx`` or ``docx``, for the messages.
    """
    limits = limits or ZipLimits()
    label = {"xlsx": "Excel (.xlsx)", "docx": "Word (.docx)"}.get(kind, kind)
    _check_container(data, label)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse("zip_corrupt", f"Tệp {label} bị hỏng, không đọc được.") from None
    with archive:
        infos = archive.infolist()
        _check_entries(archive, infos, len(data), label, limits)
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            try:
                total = _scan_part(archive, info, total, limits)
            except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError):
                raise _refuse("zip_corrupt", f"Tệp {label} bị hỏng, không đọc được.") from None


def _check_container(data: bytes, label: str) -> None:
    """A ZIP at all: an old or password-protected Office file (OLE2) or anything else is
    refused with its own message."""
    found = sniff(data)
    if found == "ole2":
        raise _refuse("legacy_or_encrypted_office",
                      f"Tệp là định dạng Office cũ (.xls/.doc) hoặc đã đặt mật khẩu. Hãy mở bằng "
                      f"Excel/Word, bỏ mật khẩu nếu có và lưu lại thành {label}.", 415)
    if found != "zip":
        raise _refuse("not_ooxml", f"Tệp không phải {label}. Hãy lưu lại đúng định dạng {label}.",
                      415)


def _check_entries(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], size: int,
                   label: str, limits: ZipLimits) -> None:
    """The archive's directory: entry count, overlaps, an Office content-types part, no
    encrypted entry."""
    if len(infos) > limits.max_entries:
        raise _refuse("zip_bomb", f"Tệp có quá nhiều thành phần ({len(infos)}).", 413)
    _check_overlaps(archive, size)
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        raise _refuse("not_ooxml", f"Tệp nén này không phải {label}.", 415)
    if any(i.flag_bits & 0x1 for i in infos):
        raise _refuse("legacy_or_encrypted_office", "Tệp đã được mã hóa; hãy bỏ mật khẩu.", 415)


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: int,
               limits: ZipLimits) -> int:
    """Inflate one part, refusing a DOCTYPE/ENTITY anywhere in it and a size or ratio past
    the limits; returns ``total`` plus the part's inflated size."""
    read = 0
    wide: bool | None = None
    tail = b""
    with archive.open(info) as handle:
        while block := handle.read(64 * 1024):
            if wide is None:
                wide = block.startswith(_UTF16_START)
            text = block.replace(b"\x00", b"") if wide else block
            # anywhere in the part (a DOCTYPE may follow a long comment), and
            # across the boundary of two blocks
            if _DOCTYPE.search(text) or _DOCTYPE.search(tail + text[:16]):
                raise _refuse("xml_doctype", "Tệp chứa khai báo DOCTYPE/ENTITY "
                              "trong XML; không được chấp nhận.")
            tail = text[-16:]
            read += len(block)
            total += len(block)
            _check_inflated(read, total, info, limits)
    return total


def _check_inflated(read: int, total: int, info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    if read > limits.max_entry_bytes or total > limits.max_total_bytes:
        raise _refuse("zip_bomb", "Tệp giải nén quá lớn (nghi “zip bomb”).", 413)
    if read > 1024 * 1024 and read > limits.max_ratio * max(info.compress_size, 1):
        raise _refuse("zip_bomb", "Tỷ lệ nén bất thường (nghi “zip bomb”).", 413)
