"""The blank list of a batch (issue 16): drop-downs in the clerk's words, realistic widths,
a column for a row's own date, a guide without codes in its explanations."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from service import registry, tabular


def _workbook():
    return load_workbook(io.BytesIO(tabular.xlsx_template(registry.require("certificate"))))


def test_choice_columns_have_drop_downs_of_labels():
    book = _workbook()
    sheet = book["Danh sách"]
    headers = [c.value for c in sheet[1]]
    values = book["Giá trị chọn"]
    choices = {}
    for rule in sheet.data_validations.dataValidation:
        assert rule.type == "list"
        column = str(rule.sqref).split(":")[0].rstrip("0123456789")
        letter = rule.formula1.split("!$")[1].split("$")[0]
        words = [c.value for c in values[letter][1:] if c.value]
        choices[headers[ord(column) - ord("A")]] = words
    assert choices["Danh xưng"] == ["Ông", "Bà", "Đồng chí"]
    assert choices["Đối tượng"] == ["Cá nhân", "Tập thể"]


def test_widths_are_realistic_and_a_row_may_carry_its_date():
    sheet = _workbook()["Danh sách"]
    headers = [c.value for c in sheet[1]]
    width = {h: sheet.column_dimensions[chr(ord("A") + i)].width for i, h in enumerate(headers)}
    assert width["Họ và tên"] >= 30
    assert width["Đơn vị"] >= 30
    assert "Ngày ký" in headers
    assert sheet.cell(row=2, column=headers.index("Ngày ký") + 1).number_format == "DD/MM/YYYY"


def test_the_guide_explains_in_labels():
    guide = _workbook()["Hướng dẫn"]
    text = " ".join(str(row[3]) for row in guide.iter_rows(min_row=2, values_only=True))
    assert "Chọn: Ông; Bà; Đồng chí." in text
    assert "dong_chi" not in text
    assert "ngày/tháng/năm" in text


def test_a_two_digit_year_in_a_row_is_read_where_one_century_fits():
    import datetime as dt

    from schemas import clock
    from schemas.base import IsoDate
    from service.tabular.cells import cell_value

    field = IsoDate()
    with clock.frozen(dt.date(2026, 12, 8)):
        assert cell_value("5/12/26", field) == "2026-12-05"
        assert cell_value("1/1/98", field) == "1998-01-01"
        assert cell_value("1/1/35", field) == "1/1/35"  # no accepted year ends in 35
