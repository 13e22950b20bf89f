"""`python -m service batch` and `batch-template`: the command a clerk's operator runs."""

from __future__ import annotations

import io
import json
import zipfile

from openpyxl import Workbook, load_workbook

from tests.conftest import SAMPLES
from tests.support.documents import pdf_pages_text
from tests.test_cli import run


def common_file(tmp_path):
    common = json.loads((SAMPLES / "certificate_batch.json").read_text(encoding="utf-8"))["common"]
    path = tmp_path / "common.json"
    path.write_text(json.dumps(common, ensure_ascii=False), encoding="utf-8")
    return path


def test_batch_from_xlsx_to_one_merged_pdf(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["STT", "HỌ VÀ TÊN", "Ông/Bà", "Chức vụ", "Đơn vị"])
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    for i, name in enumerate(names):
        sheet.append([i + 1, name, "Ông" if i != 1 else "Bà", "Chuyên viên", "Sở Nội vụ"])
    source = tmp_path / "ds.xlsx"
    workbook.save(source)
    out = tmp_path / "out.pdf"
    result = run("batch", "certificate", str(source), "--common", str(common_file(tmp_path)),
                 "-o", str(out), "--workers", "2")
    assert result.returncode == 0, result.stderr.decode()
    pages = pdf_pages_text(out.read_bytes())
    assert [n in p for n, p in zip(names, pages, strict=True)] == [True] * 3
    assert "Số sổ vàng: 1095" in pages[2]


def test_batch_json_to_a_zip_of_docx(tmp_path):
    out = tmp_path / "out.zip"
    result = run("batch", "certificate", str(SAMPLES / "certificate_batch.json"), "-o", str(out),
                 "--zip-format", "docx", "--workers", "1")
    assert result.returncode == 0, result.stderr.decode()
    with zipfile.ZipFile(out) as archive:
        assert len(archive.namelist()) == 4
        assert all(n.endswith(".docx") for n in archive.namelist())


def test_batch_reports_every_bad_row_and_writes_nothing(tmp_path):
    source = tmp_path / "ds.csv"
    source.write_text("Họ và tên;Danh xưng\nNguyễn Văn An;Ông\nTrần Thị Bình;cô\n;Bà\n",
                      encoding="utf-8-sig")
    out = tmp_path / "out.pdf"
    result = run("batch", "certificate", str(source), "--common", str(common_file(tmp_path)),
                 "-o", str(out))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "dòng 3, cột honorific" in err
    assert "dòng 4, cột recipient_name" in err
    assert not out.exists()


def test_batch_template_writes_the_headers(tmp_path):
    out = tmp_path / "mau.xlsx"
    result = run("batch-template", "certificate", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    sheet = load_workbook(io.BytesIO(out.read_bytes())).active
    assert [c.value for c in sheet[1]][:2] == ["Danh xưng", "Họ và tên"]
