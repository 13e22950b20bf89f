"""Every spreadsheet the service writes stores text as text: a value that starts like a
formula (=, +, -, @, tab, CR) is written as a literal string cell (shown with Excel's quote
prefix), never as a formula a spreadsheet program would evaluate (OWASP CSV injection)."""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace

import pytest
from marshmallow import Schema

from schemas.base import Text
from service import tabular

FORMULAS = ['=HYPERLINK("http://127.0.0.1:1/?x="&A1,"Bấm")', "+1+1", "-2+3", "@SUM(A1)",
            "\t=1+1", "\r=1+1", "＝1+1"]


def _sheet_xml(raw: bytes, index: int) -> str:
    return zipfile.ZipFile(io.BytesIO(raw)).read(f"xl/worksheets/sheet{index}.xml").decode()


@pytest.mark.parametrize("value", FORMULAS)
def test_safe_cell_stores_a_formula_like_value_as_text(value):
    from openpyxl import Workbook, load_workbook

    workbook = Workbook()
    cell = tabular.safe_cell(workbook.active, 1, 1, value)
    tabular.safe_cell(workbook.active, 1, 2, "Nguyễn Văn An")
    tabular.safe_cell(workbook.active, 1, 3, 7)
    assert cell.data_type == "s"
    assert cell.quotePrefix
    buffer = io.BytesIO()
    workbook.save(buffer)
    xml = _sheet_xml(buffer.getvalue(), 1)
    assert "<f>" not in xml
    back = load_workbook(buffer).active
    assert [back.cell(1, c).value for c in (1, 2, 3)] == [value, "Nguyễn Văn An", 7]
    assert not back.cell(1, 2).quotePrefix


def test_the_blank_list_writes_every_text_as_text():
    """Titles and descriptions come from the schema; were one to start like a formula it is
    still written as text."""

    class Hostile(Schema):
        recipient_name = Text(required=True, metadata={"title": "=HYPERLINK(\"http://x\")",
                                                       "description": "@SUM(A1)"})
        unit = Text(metadata={"title": "+1+1", "enum": ["-2+3"]})

    doc_type = SimpleNamespace(schema=Hostile, batch=None)
    raw = tabular.xlsx_template(doc_type)
    for index in (1, 2):
        xml = _sheet_xml(raw, index)
        assert "<f>" not in xml, xml[:500]
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(raw))
    for sheet in workbook:
        texts = [c for row in sheet.iter_rows() for c in row if c.value is not None]
        assert texts
        assert all(c.data_type == "s" for c in texts)
        assert all(c.quotePrefix == str(c.value).startswith(("=", "+", "-", "@"))
                   for c in texts)
    assert [c.value for c in workbook["Danh sách"][1]] == ['=HYPERLINK("http://x")', "+1+1"]
    guide = [[c.value for c in row] for row in workbook["Hướng dẫn"].iter_rows(min_row=2)]
    assert guide[0][:2] == ['=HYPERLINK("http://x")', "recipient_name"]
    assert guide[0][3].startswith("@SUM(A1)")
