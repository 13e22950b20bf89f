"""An XLSX upload as a ZIP archive: refused before parsing when it is not OOXML (``.xls``,
password-protected) or would unpack too large; its first worksheet's part name."""

from __future__ import annotations

import io
import zipfile

from service.errors import Problem
from service.tabular.limits import MAX_UNCOMPRESSED, MAX_ZIP_ENTRIES, OLE2_MAGIC, refusal


def check_archive(raw: bytes) -> zipfile.ZipFile:
    if raw.startswith(OLE2_MAGIC):
        raise refusal("xls_not_supported", "Không đọc được tệp Excel này",
                      "Đây là tệp Excel 97-2003 (.xls) hoặc tệp có đặt mật khẩu. Hãy mở trong "
                      "Excel, bỏ mật khẩu nếu có, rồi lưu lại dạng .xlsx.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refusal("not_xlsx", "Không phải tệp XLSX",
                      "Tệp không phải bảng tính Excel .xlsx (Office Open XML).") from None
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_ZIP_ENTRIES or total > MAX_UNCOMPRESSED:
        raise Problem(413, "xlsx_too_large", "Bảng tính quá lớn",
                      "Tệp giải nén ra quá lớn hoặc có quá nhiều thành phần.")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise refusal("not_xlsx", "Không phải tệp XLSX",
                      "Tệp nén không phải bảng tính Excel .xlsx (thiếu workbook).")
    return archive


def sheet_path(archive: zipfile.ZipFile) -> str:
    """The part name of the first worksheet (workbook order)."""
    from defusedxml import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = workbook.find("m:sheets/m:sheet", ns)
    rid = sheet.get(f"{{{ns['r']}}}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Id") == rid:
            target = rel.get("Target").lstrip("/")
            return target if target.startswith("xl/") else f"xl/{target}"
    raise refusal("not_xlsx", "Không phải tệp XLSX", "Không tìm thấy trang tính đầu tiên.")
