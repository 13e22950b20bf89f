"""Uploaded Office files are checked before any parser opens them."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from service.errors import Problem
from service.uploads import ZipLimits, check_ooxml


def make_xlsx(extra: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Họ và tên", "Đơn vị"])
    wb.active.append(["Nguyễn Văn A", "Phòng Hành chính"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in drop:
                dst.writestr(info.filename, src.read(info.filename))
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def code_of(data: bytes, **kw) -> str:
    with pytest.raises(Problem) as exc:
        check_ooxml(data, **kw)
    assert 400 <= exc.value.status < 500
    assert exc.value.detail
    return exc.value.code


def test_a_real_xlsx_passes():
    check_ooxml(make_xlsx())


def test_executable_renamed():
    assert code_of(b"MZ\x90\x00" + b"\x00" * 200) == "not_ooxml"


def test_old_xls_or_password_protected():
    assert code_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600) == \
        "legacy_or_encrypted_office"


def test_plain_zip_is_not_ooxml():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "xin chào")
    assert code_of(buf.getvalue()) == "not_ooxml"


def test_truncated_zip():
    assert code_of(make_xlsx()[:300]) in {"zip_corrupt", "not_ooxml"}


def test_doctype_in_a_part():
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert code_of(make_xlsx({"xl/evil.xml": evil})) == "xml_doctype"


def test_entry_count_limit():
    many = {f"xl/p{i}.xml": b"<a/>" for i in range(30)}
    assert code_of(make_xlsx(many), limits=ZipLimits(max_entries=20)) == "zip_bomb"


def test_high_ratio_bomb_stops_while_reading():
    bomb = {"xl/bomb.xml": b"<a>" + b"0" * (50 * 1024 * 1024) + b"</a>"}
    data = make_xlsx(bomb)
    assert len(data) < 1024 * 1024
    assert code_of(data) == "zip_bomb"


def test_total_size_limit():
    parts = {f"xl/p{i}.xml": bytes(range(256)) * 4096 for i in range(5)}
    assert code_of(make_xlsx(parts), limits=ZipLimits(max_total_bytes=3 * 1024 * 1024)) == \
        "zip_bomb"


def test_overlapping_entries_rejected():
    """Two central-directory entries pointing at the same data (CVE-2024-0450 shape)."""
    data = bytearray(make_xlsx())
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack("<I", data[eocd + 16:eocd + 20])[0]
    first_offset = struct.unpack("<I", data[cd_offset + 42:cd_offset + 46])[0]
    pos = cd_offset
    count = 0
    while data[pos:pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[pos + 28:pos + 34])
        if count == 1:
            data[pos + 42:pos + 46] = struct.pack("<I", first_offset + 1)
        pos += 46 + name_len + extra_len + comment_len
        count += 1
    assert code_of(bytes(data)) in {"zip_bomb", "zip_corrupt"}


def test_encrypted_entry_flag():
    data = bytearray(make_xlsx())
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack("<I", data[eocd + 16:eocd + 20])[0]
    flags = struct.unpack("<H", data[cd_offset + 8:cd_offset + 10])[0]
    data[cd_offset + 8:cd_offset + 10] = struct.pack("<H", flags | 1)
    assert code_of(bytes(data)) in {"legacy_or_encrypted_office", "zip_corrupt"}
