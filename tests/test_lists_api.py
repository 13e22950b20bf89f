"""A list field from a spreadsheet (issue 14, "The decision's list from a spreadsheet"): the
conversion endpoint, the blank list, the clerks' words for kind, honorific and award, errors
with row, column and pointer, documents and issues sent with their list files, 3.000 rows."""

from __future__ import annotations

import io
import json

import pytest

from tests.conftest import load_sample
from tests.support.register import draft, pdf_text

pytest_plugins = ["tests.support.services"]

TYPE = "commendation_decision"
LISTS = f"/api/v1/document-types/{TYPE}/lists"
HEADERS = ["STT", "Đối tượng", "Danh xưng", "Họ và tên", "Chức vụ", "Đơn vị",
           "Hình thức khen thưởng", "Ghi chú"]
GOOD = [
    [1, "Tập thể", None, "Tổ Ngữ văn", None, "Trường THPT Hàm Rồng", None, None],
    [2, "Cá nhân", "Bà", "Lê Thị Thu Hà", "Giáo viên", "Trường THPT Hàm Rồng", "Giấy khen", None],
    [3, "ca nhan", "ông", "Nguyễn Văn Minh", "Phó Hiệu trưởng", "Trường THPT Đào Duy Từ",
     "Bằng khen của Chủ tịch UBND tỉnh", "đề nghị"],
    [4, "CÁ NHÂN", "Đồng chí", "Hoàng Văn Dũng", "Tổ trưởng", "Trường THPT Triệu Sơn",
     "giay khen", None],
]


def xlsx(rows, headers=HEADERS, title="DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name="danh_sach.xlsx", field="entries"):
    return client.post(f"{LISTS}/{field}", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_a_list_becomes_items_with_codes_from_clerks_words(client):
    response = upload(client, xlsx(GOOD))
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [(i["kind"], i.get("honorific"), i.get("award")) for i in items] == [
        ("tap_the", None, None), ("ca_nhan", "ba", "giay_khen"),
        ("ca_nhan", "ong", "bang_khen_bo_tinh"), ("ca_nhan", "dong_chi", "giay_khen")]
    assert items[0] == {"kind": "tap_the", "name": "Tổ Ngữ văn", "unit": "Trường THPT Hàm Rồng"}


def test_a_csv_in_utf8_with_semicolons_is_read_too(client):
    text = "Đối tượng;Danh xưng;Họ và tên;Hình thức khen thưởng;Số tiền thưởng (đồng)\n" \
           "Cá nhân;Bà;Lê Thị Thu Hà;Giấy khen;1.500.000\n"
    response = upload(client, text.encode("utf-8-sig"), "ds.csv")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["items"] == [{"kind": "ca_nhan", "honorific": "ba",
                                             "name": "Lê Thị Thu Hà", "award": "giay_khen",
                                             "amount": 1500000}]


def test_bad_rows_are_named_by_row_column_and_pointer(client):
    rows = [*GOOD, [5, "Cá nhân", None, "Trần Văn Nam", None, None, "Huân chương gì đó", None],
            [6, "Hội đồng", None, "Tổ Sử", None, None, None, None]]
    response = upload(client, xlsx(rows))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    by_pointer = {e["pointer"]: e for e in body["errors"]}
    award = by_pointer["/entries/4/award"]
    assert (award["row"], award["column"], award["code"]) == (8, "G", "unknown_award")
    assert "Giấy khen" in award["message"]
    assert "Bằng khen" in award["message"]
    assert "giay_khen" not in award["message"]
    assert by_pointer["/entries/4/honorific"]["row"] == 8
    assert "Ông" in by_pointer["/entries/4/honorific"]["message"]
    kind = by_pointer["/entries/5/kind"]
    assert (kind["row"], kind["column"]) == (9, "B")
    assert "Cá nhân; Tập thể" in kind["message"]
    assert body["columns"]["G"] == "Hình thức khen thưởng"


def test_a_missing_required_column_is_named(client):
    response = upload(client, xlsx([["Lê Thị Thu Hà", "Giáo viên"]],
                                   headers=["Họ và tên", "Chức vụ"]))
    assert response.status_code == 422
    assert any("Đối tượng" in e["message"] for e in response.get_json()["errors"])


def test_unknown_type_or_field_is_404(client):
    assert client.post("/api/v1/document-types/nope/lists/entries",
                       data={"file": (io.BytesIO(b"x"), "a.csv")}).status_code == 404
    response = upload(client, xlsx(GOOD), field="legal_bases")
    assert response.status_code == 404
    assert response.get_json()["code"] == "list_not_found"
    assert client.get(f"{LISTS}/nope.xlsx").status_code == 404


def test_no_file_is_422(client):
    response = client.post(f"{LISTS}/entries", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/file"


def test_the_blank_list_reads_back_and_has_drop_downs_and_a_guide(client):
    from openpyxl import load_workbook

    response = client.get(f"{LISTS}/entries.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["Danh sách"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Đối tượng", "Danh xưng", "Họ và tên / tên tập thể"]
    assert "Hình thức khen thưởng" in headers
    assert all(v and "_" not in v for v in headers)  # clerk words, no field codes
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert len(lists) == 3
    values = workbook["Giá trị chọn"]
    column_values = {values.cell(1, c).value: [values.cell(r, c).value
                                                for r in range(2, values.max_row + 1)]
                     for c in range(1, values.max_column + 1)}
    assert column_values["Đối tượng"][:2] == ["Cá nhân", "Tập thể"]
    assert "Giấy khen" in column_values["Hình thức khen thưởng"]
    assert sheet.column_dimensions["C"].width >= 25
    guide = workbook["Hướng dẫn"]
    assert guide.cell(1, 3).value == "Cách ghi"
    for row in range(2, 2 + len(headers)):
        sheet.cell(row, 1).value = None
    sheet.cell(2, 1).value, sheet.cell(2, 2).value, sheet.cell(2, 3).value = (
        "Cá nhân", "Bà", "Lê Thị Thu Hà")
    buffer = io.BytesIO()
    workbook.save(buffer)
    again = upload(client, buffer.getvalue())
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["items"] == [{"kind": "ca_nhan", "honorific": "ba",
                                          "name": "Lê Thị Thu Hà"}]


def _decision_form(payload: dict, content: bytes, name="ds.xlsx") -> dict:
    return {"payload": json.dumps(payload, ensure_ascii=False),
            "entries": (io.BytesIO(content), name)}


def test_a_decision_renders_with_its_list_file_in_one_request(client):
    payload = load_sample(TYPE)
    del payload["entries"]
    response = client.post(f"/api/v1/documents/{TYPE}.pdf",
                           data=_decision_form(payload, xlsx(GOOD)),
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    text = pdf_text(response.data)
    assert "Hoàng Văn Dũng" in text
    assert "Tổ Ngữ văn" in text


def test_a_decision_with_a_bad_list_file_points_into_the_payload(client):
    payload = load_sample(TYPE)
    del payload["entries"]
    rows = [*GOOD, [5, "Cá nhân", "Bà", "Trần Thị B", None, None, "Huy hiệu", None]]
    response = client.post(f"/api/v1/documents/{TYPE}.docx",
                           data=_decision_form(payload, xlsx(rows)),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    error = response.get_json()["errors"][0]
    assert (error["pointer"], error["row"], error["column"]) == ("/entries/4/award", 8, "G")


def test_a_list_given_twice_or_an_unknown_list_file_is_refused(client):
    payload = load_sample(TYPE)
    response = client.post(f"/api/v1/documents/{TYPE}.pdf",
                           data=_decision_form(payload, xlsx(GOOD)),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/entries"
    del payload["entries"]
    data = {"payload": json.dumps(payload), "members": (io.BytesIO(xlsx(GOOD)), "a.xlsx")}
    response = client.post(f"/api/v1/documents/{TYPE}.pdf", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/members"


def test_an_issue_takes_its_list_file(client):
    payload = draft(TYPE, day="2026-12-07")
    del payload["entries"]
    data = {"document_type": TYPE, **_decision_form(payload, xlsx(GOOD))}
    response = client.post("/api/v1/issued", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()["errors"]
    issued = response.get_json()
    assert issued["number"] == 1
    pdf = client.get(f"/api/v1/issued/{issued['id']}.pdf")
    assert "Nguyễn Văn Minh" in pdf_text(pdf.data)
    bad = {"document_type": TYPE, **_decision_form(payload, xlsx([[1, "X", None, "Y"]]))}
    response = client.post("/api/v1/issued", data=bad, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/payload/entries/0/kind"


def rows_3000() -> list[list]:
    units = ["Trường THPT Hàm Rồng", "Trường THPT chuyên Lam Sơn", "Trường THPT Đào Duy Từ"]
    out = []
    for i in range(3000):
        if i % 10 == 0:
            out.append([i + 1, "Tập thể", None, f"Tổ chuyên môn số {i}", None, units[i % 3],
                        "Giấy khen", None])
        else:
            out.append([i + 1, "Cá nhân", "Bà" if i % 2 else "Ông", f"Nguyễn Văn Một Số {i}",
                        "Giáo viên", units[i % 3], "Giấy khen", None])
    return out


@pytest.mark.slow
def test_3000_rows_convert_and_render(client):
    content = xlsx(rows_3000())
    response = upload(client, content)
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert len(items) == 3000
    assert items[2999]["name"] == "Nguyễn Văn Một Số 2999"
    payload = load_sample(TYPE)
    del payload["entries"]
    payload["compute_rewards"] = False
    rendered = client.post(f"/api/v1/documents/{TYPE}.docx",
                           data=_decision_form(payload, content),
                           content_type="multipart/form-data")
    assert rendered.status_code == 200, rendered.get_json()
