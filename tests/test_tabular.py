"""Spreadsheets as clerks make them: every quirk read correctly or refused with its row, column
and message. Fixtures are generated here (csv, openpyxl), not committed."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from schemas.certificate import CertificateSchema
from schemas.directive import DirectiveSchema
from service import bulk, registry, tabular
from service.core_errors import InvalidPayload
from service.errors import Problem
from service.vn.fold import fold_key
from tests.test_bulk import example

CERT = registry.get("certificate")


def read(raw: bytes, name: str, **kwargs) -> tabular.Table:
    return tabular.read_table(raw, name, CertificateSchema, **kwargs)


def problem_of(raw: bytes, name: str, **kwargs) -> Problem:
    with pytest.raises(Problem) as info:
        read(raw, name, **kwargs)
    return info.value


def xlsx(rows, *, setup=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if setup:
        setup(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- CSV

@pytest.mark.parametrize(("bom", "sep"), [(True, ";"), (False, ","), (True, ","), (False, "\t")])
def test_csv_with_or_without_bom_and_any_separator(bom, sep):
    lines = [sep.join(["STT", "HO VA TEN", "ông/bà", "Chức vụ", "SO SO"]),
             sep.join(["1", "Nguyễn Văn An", "Ông", "Chuyên viên", "0012"]),
             sep.join(["", "", "", "", ""]),
             "",
             sep.join(["2", "Trần Thị Bình", "Bà", "Trưởng phòng", "0013"])]
    raw = ("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode("utf-8")
    table = read(raw, "danh-sach.csv")
    assert table.rows == [2, 5]
    assert table.items == [
        {"recipient_name": "Nguyễn Văn An", "honorific": "Ông", "position": "Chuyên viên",
         "register_no": "0012"},
        {"recipient_name": "Trần Thị Bình", "honorific": "Bà", "position": "Trưởng phòng",
         "register_no": "0013"}]
    prepared = bulk.prepare(CERT, example()["common"], table.items, rows=table.rows)
    assert [p.data["register_no"] for p in prepared] == ["0012", "0013"]  # zeros kept
    assert [p.data["honorific"] for p in prepared] == ["ong", "ba"]


def test_csv_quoted_commas_and_decomposed_text_are_normalised():
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    raw = f'Họ và tên,Đơn vị\n"{decomposed}","Phòng A, Sở B"\n'.encode()
    table = read(raw, "x.csv")
    assert table.items[0]["unit"] == "Phòng A, Sở B"
    prepared = bulk.prepare(CERT, {**example()["common"], "honorific": "ong"}, table.items)
    assert prepared[0].data["recipient_name"] == "Nguyễn Văn An"


def test_csv_not_in_utf8_is_refused_with_the_line():
    raw = "Họ và tên;Chức vụ\n".encode() + b"Tr\xe0n V\xe3n An;Chuy\xean vi\xean\n"
    problem = problem_of(raw, "x.csv")
    assert problem.code == "not_utf8"
    assert "Dòng 2" in problem.detail


def test_legacy_tcvn3_text_is_refused_with_row_and_column():
    from service.vn.legacy import encode_tcvn3

    legacy = encode_tcvn3("Nguyễn Văn Thắng").decode("cp1252")
    raw = f"Họ và tên;Danh xưng\nTrần Văn Bình;Ông\n{legacy};Ông\n".encode()
    table = read(raw, "x.csv")
    with pytest.raises(InvalidPayload) as info:
        bulk.prepare(CERT, example()["common"], table.items, rows=table.rows)
    [error] = info.value.errors
    assert error.row == 3
    assert error.column == "recipient_name"
    assert error.code.startswith("legacy_encoding")
    assert "Unicode" in error.message


def test_legacy_encoded_headers_say_so():
    from service.vn.legacy import encode_tcvn3

    header = encode_tcvn3("Họ và tên người nhận").decode("cp1252")
    problem = problem_of(f"Danh xưng;{header}\nÔng;An\n".encode(), "x.csv")
    assert problem.errors[0].code == "unknown_column"
    assert "TCVN3" in problem.errors[0].message


def test_unknown_and_duplicate_columns_are_refused_with_their_letters():
    raw = "Họ và tên;Ngày sinh;HO TEN\nA;01/01/1990;B\n".encode()
    problem = problem_of(raw, "x.csv")
    assert {(e.column, e.code) for e in problem.errors} == {("B", "unknown_column"),
                                                            ("C", "duplicate_column")}


def test_csv_rows_are_capped():
    raw = ("Họ và tên\n" + "".join(f"Người {i}\n" for i in range(8))).encode()
    assert problem_of(raw, "x.csv", max_rows=5).status == 413


def test_dates_in_day_month_year_become_iso():
    raw = "Họ và tên;Ngày quyết định\nAn;5/12/2025\n".encode()
    assert read(raw, "x.csv").items[0]["decision_date"] == "2025-12-05"


# ---------------------------------------------------------------- XLSX

def test_xlsx_title_rows_vertical_merges_zero_formats_dates_and_blank_rows():
    def setup(sheet):
        sheet.merge_cells("A1:E1")              # a title across the columns, above the header
        sheet.merge_cells("D4:D6")              # one unit for a group of three people
        sheet["E4"].number_format = "0000"      # a register typed as a number, shown 0012
        sheet["E4"].value = 12

    raw = xlsx([["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"],
                [],
                ["TT", "Họ và tên", "Danh xưng", "Đơn vị", "Số sổ", "Ngày quyết định"],
                [1, "Nguyễn Văn An", "Ông", "Phòng Tổ chức", None, dt.datetime(2025, 12, 5)],
                [2, "Trần Thị Bình", "Bà", None, "0013", None],
                [3, "Lê Văn Cường", "Ông", None, 14, None],
                [None, None, None, None, None, None],
                [4, "Phạm Thị Dung", "Bà", "Văn phòng", "015", None]], setup=setup)
    table = read(raw, "ds.xlsx")
    assert table.rows == [4, 5, 6, 8]
    assert [i.get("unit") for i in table.items] == ["Phòng Tổ chức"] * 3 + ["Văn phòng"]
    assert [i["register_no"] for i in table.items] == ["0012", "0013", "14", "015"]
    assert table.items[0]["decision_date"] == "2025-12-05"


def test_xlsx_hidden_mapped_column_is_reported():
    def setup(sheet):
        sheet.column_dimensions["C"].hidden = True

    problem = problem_of(xlsx([["Họ và tên", "Danh xưng", "Chức vụ"], ["An", "Ông", "CV"]],
                              setup=setup), "x.xlsx")
    assert [(e.column, e.code) for e in problem.errors] == [("C", "hidden_column")]


def test_xlsx_data_beyond_the_columns_read_is_refused_not_dropped():
    def setup(sheet):
        sheet.cell(row=3, column=tabular.MAX_COLUMNS + 10, value="ghi chú lạc chỗ")

    problem = problem_of(xlsx([["Họ và tên", "Danh xưng"], ["An", "Ông"], ["Bình", "Bà"]],
                              setup=setup), "x.xlsx")
    where = tabular.column_letter(tabular.MAX_COLUMNS + 9)
    assert problem.code == "too_many_columns"
    assert [(e.row, e.column) for e in problem.errors] == [(3, where)]

    def styled(sheet):  # empty styled cells out there are harmless
        sheet.cell(row=2, column=tabular.MAX_COLUMNS + 10).number_format = "0000"

    assert len(read(xlsx([["Họ và tên", "Danh xưng"], ["An", "Ông"]], setup=styled),
                    "x.xlsx").items) == 1


def test_xlsx_hidden_rows_are_reported_with_their_numbers():
    def setup(sheet):
        sheet.row_dimensions[3].hidden = True

    problem = problem_of(xlsx([["Họ và tên", "Danh xưng"], ["An", "Ông"], ["Bình", "Bà"],
                               ["Cường", "Ông"]], setup=setup), "x.xlsx")
    assert [(e.row, e.code) for e in problem.errors] == [(3, "hidden_row")]


def test_xlsx_merged_cells_across_columns_in_the_data_are_reported():
    def setup(sheet):
        sheet.merge_cells("B3:C3")

    problem = problem_of(xlsx([["Họ và tên", "Danh xưng", "Chức vụ"], ["An", "Ông", "CV"],
                               ["Bình", "Bà", None]], setup=setup), "x.xlsx")
    assert [(e.row, e.column, e.code) for e in problem.errors] == [(3, "B", "merged_cells")]


def test_xlsx_formula_without_a_cached_value_is_reported():
    problem = problem_of(xlsx([["Họ và tên", "Danh xưng"], ["=UPPER(\"an\")", "Ông"]]),
                         "x.xlsx")
    assert [(e.row, e.column, e.code) for e in problem.errors] == [
        (2, "A", "formula_not_calculated")]


@pytest.mark.parametrize(("raw", "name", "code"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old.xlsx", "xls_not_supported"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old.xls", "unsupported_file"),
    (b"this is not a spreadsheet", "x.xlsx", "not_xlsx"),
    (b"", "x.xlsx", "not_xlsx"),
    (b"%PDF-1.7", "x.pdf", "unsupported_file"),
])
def test_files_that_are_not_xlsx_are_refused_clearly(raw, name, code):
    assert problem_of(raw, name).code == code


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert problem_of(buffer.getvalue(), "x.xlsx").code == "not_xlsx"


def test_an_xlsx_with_an_entity_bomb_is_refused_not_crashed():
    raw = xlsx([["Họ và tên", "Danh xưng"], ["An", "Ông"]])
    source = zipfile.ZipFile(io.BytesIO(raw))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaaaaa">]>'
                                    b"<worksheet", 1)
            out.writestr(info, data)
    assert problem_of(buffer.getvalue(), "x.xlsx").code == "bad_xlsx"


def test_no_header_row_is_reported():
    assert problem_of(xlsx([["a", "b"], ["c", "d"]]), "x.xlsx").code == "header_not_found"


# ---------------------------------------------------------------- templates and other types

def test_the_xlsx_template_has_the_schema_titles_and_reads_back():
    raw = tabular.xlsx_template(CERT)
    workbook = load_workbook(io.BytesIO(raw))
    sheet = workbook["Danh sách"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Danh xưng", "Họ và tên", "Chức vụ"]
    assert "Hướng dẫn" in workbook.sheetnames
    sheet.append(["Bà", "Lê Thị Thu Hà", "Giáo viên", "Trường THPT Hàm Rồng", "007"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read(buffer.getvalue(), "mau.xlsx")
    assert table.items == [{"honorific": "Bà", "recipient_name": "Lê Thị Thu Hà",
                            "position": "Giáo viên", "unit": "Trường THPT Hàm Rồng",
                            "register_no": "007"}]
    prepared = bulk.prepare(CERT, example()["common"], table.items, rows=table.rows)
    assert prepared[0].data["register_no"] == "007"


def test_header_mapping_comes_from_any_schema_metadata():
    lookup = tabular.header_lookup(DirectiveSchema)
    assert lookup[fold_key("Tên cơ quan ban hành")].path == ("issuer", "name")
    assert lookup[fold_key("issuer.abbreviation")].path == ("issuer", "abbreviation")
    assert lookup[fold_key("NGƯỜI KÝ - HỌ VÀ TÊN NGƯỜI KÝ")].path == ("signer", "name")
    assert fold_key("name") not in lookup  # "name" alone is ambiguous between nested ones


def test_xlsx_merges_listed_after_skipped_blank_rows_still_apply():
    """Reading stops after a long run of blank rows, but merged ranges (written after the
    sheet data) are still found and applied to the rows read."""
    def setup(sheet):
        sheet.merge_cells("C2:C3")
        for row in range(4, 4 + tabular.BLANK_ROWS_END + 50):
            sheet.cell(row=row, column=1).number_format = "@"  # styled, empty

    raw = xlsx([["Họ và tên", "Danh xưng", "Đơn vị"], ["An", "Ông", "Phòng Tổ chức"],
                ["Bình", "Bà", None]], setup=setup)
    table = read(raw, "x.xlsx")
    assert table.rows == [2, 3]
    assert [i.get("unit") for i in table.items] == ["Phòng Tổ chức"] * 2


def test_xlsx_declared_dimension_is_not_trusted():
    def setup(sheet):
        sheet.cell(row=2, column=16384).number_format = "@"  # a styled cell at XFD

    raw = xlsx([["Họ và tên", "Danh xưng"], ["An", "Ông"]], setup=setup)
    table = read(raw, "x.xlsx")
    assert table.items == [{"recipient_name": "An", "honorific": "Ông"}]
