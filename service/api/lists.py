"""The lists of a document type from spreadsheets, for other systems and the page alike.

* ``POST /api/v1/document-types/<id>/lists/<field>`` with a multipart ``file`` (CSV/XLSX) →
  ``{"items": […]}`` ready for that list field, or 422 problem+json whose errors carry
  ``row``, ``column`` and ``pointer`` (and a ``columns`` member: each column letter's header
  as written in the file);
* ``GET /api/v1/document-types/<id>/lists/<field>.xlsx`` → the blank list.

Unknown type or field: 404. The reading is :mod:`service.tabular.lists`.
"""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from service import registry
from service.api.common import BINARY, problems, send_attachment
from service.api.lists_form import list_items, read_upload
from service.errors import FieldError, validation_problem

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "Danh sách dạng .xlsx hoặc .csv (UTF-8)"}}}}}}}


class ListItemsSchema(Schema):
    """The items of a list field, each an object ready for the document's payload."""

    items = fields.List(fields.Dict(), required=True)


def convert(type_id: str, field: str) -> dict:
    """The items of a list field from the uploaded ``file``."""
    from service.tabular.lists import list_field

    doc_type = registry.require(type_id)
    list_field(doc_type, field)  # 404 before reading anything
    errors: list[FieldError] = []
    errors += [FieldError(f"/{k[:40]}", "unknown_field", "Trường không được hỗ trợ.")
               for k in [*request.form, *request.files] if k != "file"]
    if len(request.files.getlist("file")) > 1:
        errors.append(FieldError("/file", "duplicate_field", "Chỉ gửi một tệp."))
    data, filename = read_upload(request.files.get("file"), "/file", errors)
    if errors:
        raise validation_problem(errors)
    return {"items": list_items(doc_type, field, data, filename)}


def blank(type_id: str, field: str):
    """The blank XLSX of a list field."""
    from service.tabular.list_template import list_template
    from service.tabular.lists import list_field

    doc_type = registry.require(type_id)
    lf = list_field(doc_type, field)
    name = f"{lf.title} - {doc_type.title} - mẫu.xlsx"
    return send_attachment(list_template(lf), XLSX_MIMETYPE, name)


def build_blueprint() -> Blueprint:
    blp = Blueprint("lists", __name__, url_prefix="/api/v1",
                    description="Danh sách của văn bản từ bảng tính (CSV/XLSX)")

    @blp.route("/document-types/<type_id>/lists/<field>", methods=["POST"])
    @blp.doc(summary="Đọc một danh sách (CSV/XLSX) thành các mục JSON", **UPLOAD_DOC)
    @blp.response(200, ListItemsSchema,
                  description="Các mục của danh sách, dùng ngay trong văn bản")
    @problems(blp, 404, (422, "Tệp hoặc dòng không hợp lệ: lỗi có row, column, pointer"), 413)
    def _convert(type_id: str, field: str):
        """A list file → ``{"items": […]}`` for that list field of the type."""
        return convert(type_id, field)

    @blp.route("/document-types/<type_id>/lists/<field>.xlsx", methods=["GET"])
    @blp.doc(summary="Tải danh sách trống (XLSX)")
    @blp.response(200, BINARY, content_type=XLSX_MIMETYPE, description="Danh sách trống")
    @problems(blp, 404)
    def _blank(type_id: str, field: str):
        """The blank list: headers, drop-downs, a guide sheet."""
        return blank(type_id, field)

    return blp
