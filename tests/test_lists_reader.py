"""The list reader without HTTP (service.tabular.lists): which fields are lists, headers as
clerks write them, merged group cells, legacy text, the words for kind, honorific and award."""

from __future__ import annotations

import io

import pytest

from service import registry
from service.errors import Problem
from service.tabular.list_words import AwardWords
from service.tabular.lists import list_field, list_fields, read_list

DECISION = registry.require("commendation_decision")


def entries():
    return list_field(DECISION, "entries")


def workbook_bytes(rows, merge: str | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_only_lists_of_flat_objects_are_list_fields():
    assert list(list_fields(DECISION)) == ["entries"]
    assert list_fields(registry.require("certificate")) == {}
    with pytest.raises(Problem) as caught:
        list_field(DECISION, "legal_bases")
    assert caught.value.status == 404


def test_headers_without_diacritics_and_merged_unit_cells():
    rows = [["DANH SACH"], [],
            ["TT", "DOI TUONG", "XUNG HO", "HO TEN", "DON VI CONG TAC", "HINH THUC"],
            [1, "Ca nhan", "Ba", "Lê Thị Hà", "Trường THPT Hàm Rồng", "Giay khen"],
            [2, "Ca nhan", "Ong", "Lê Văn Nam", None, "GIẤY KHEN"],
            [3, "Tap the", None, "Tổ Toán", "Trường THPT Lam Sơn", None]]
    table = read_list(entries(), workbook_bytes(rows, merge="E4:E5"), "a.xlsx")
    assert [i.get("unit") for i in table.items] == ["Trường THPT Hàm Rồng"] * 2 + [
        "Trường THPT Lam Sơn"]
    assert [i["kind"] for i in table.items] == ["ca_nhan", "ca_nhan", "tap_the"]
    assert table.rows == [4, 5, 6]


def test_legacy_text_is_a_row_error_with_its_column():
    rows = [["Đối tượng", "Danh xưng", "Họ và tên"], ["Cá nhân", "Bà", "NguyÔn ThÞ Lan"]]
    with pytest.raises(Problem) as caught:
        read_list(entries(), workbook_bytes(rows), "a.xlsx")
    error = caught.value.errors[0]
    assert (error.pointer, error.row, error.column) == ("/entries/0/name", 2, "C")


def test_award_names_as_clerks_write_them():
    from service import rewards

    words = AwardWords(rewards.current().awards)
    assert words.value("Giấy khen") == "giay_khen"
    assert words.value("GIAY KHEN CUA GIAM DOC SO") == "giay_khen"
    assert words.value("Bằng khen của Chủ tịch UBND tỉnh") == "bang_khen_bo_tinh"
    assert words.value("Bằng khen của Thủ tướng Chính phủ") == "bang_khen_thu_tuong"
    assert words.value("Bằng khen của Giám đốc Đại học quốc gia") == "bang_khen_quan_khu_dhqg"
    assert words.value("lao_dong_tien_tien") == "lao_dong_tien_tien"
    assert words.value("Huân chương Lao động") is None


def test_honorific_words_and_a_collective_without_one():
    rows = [["Đối tượng", "Danh xưng", "Họ và tên"], ["Cá nhân", "đ/c", "Lê Văn A"],
            ["Cá nhân", "Không ghi", "Lê Văn B"], ["Đơn vị", None, "Tổ Văn"],
            ["Tập thể", "Ông", "Tổ Sử"]]
    with pytest.raises(Problem) as caught:
        read_list(entries(), workbook_bytes(rows), "a.xlsx")
    (error,) = caught.value.errors
    assert (error.pointer, error.row, error.column) == ("/entries/3/honorific", 5, "B")
    assert error.message == "Tập thể không có danh xưng."
    table = read_list(entries(), workbook_bytes(rows[:4]), "a.xlsx")
    assert [i.get("honorific") for i in table.items] == ["dong_chi", "none", None]
