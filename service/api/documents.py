"""Document types and synchronous rendering.

Routes are generated from the registry, one per (type, format), so each is documented in the
OpenAPI document with its own request schema; a type added to ``service/doctypes`` gets its
routes without touching this file.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Response, current_app
from flask_smorest import Blueprint

from service import registry
from service.api.common import (
    BINARY,
    is_json_request,
    problems,
    read_json,
    request_body,
    send_attachment,
)
from service.api.lists_form import is_multipart, multipart_doc, multipart_payload
from service.errors import Problem
from service.jsonschema import document_schema
from service.registry import DocumentType, Format
from service.rendering import render
from service.tabular.lists import list_fields


def read_json_body() -> object:
    """A document's JSON body, parsed strictly; 415 for another content type."""
    if not is_json_request():
        raise Problem(415, "unsupported_media_type", "Kiểu nội dung không được hỗ trợ",
                      "Gửi dữ liệu JSON với Content-Type: application/json.")
    limit = int(current_app.config["MAX_DOCUMENT_JSON_BYTES"])
    return read_json(limit, f"Văn bản đơn lẻ tối đa {limit} byte.")


def type_summary(doc_type: DocumentType) -> dict:
    return {"id": doc_type.id, "title": doc_type.title, "description": doc_type.description,
            "formats": [f.value for f in doc_type.formats]}


def type_detail(doc_type: DocumentType) -> dict:
    samples = Path(current_app.config["SAMPLES_DIR"])
    detail = type_summary(doc_type)
    detail["schema"] = document_schema(doc_type.schema, doc_type.title)
    detail["example"] = registry.sample_payload(doc_type, samples)
    detail.update(doc_type.public_options(samples))  # declared by the type; hooks stay inside
    return detail


def render_response(doc_type: DocumentType, fmt: Format) -> Response:
    with_lists = is_multipart() and bool(list_fields(doc_type))  # a type with lists only
    payload = multipart_payload(doc_type) if with_lists else read_json_body()
    config = current_app.config
    started = time.perf_counter()
    doc = render(doc_type, payload, fmt, templates_dir=config["TEMPLATES_DIR"],
                 wait_s=float(config["SINGLE_RENDER_TIMEOUT_S"]))
    metrics = current_app.extensions.get("thidua_metrics")
    if metrics is not None:
        metrics.observe_render(doc_type.id, fmt.value, time.perf_counter() - started)
    return send_attachment(doc.content, doc.mimetype, doc.filename)


def _bodies(doc_type: DocumentType) -> dict:
    """JSON, or (for a type with lists) the payload with its list files."""
    if not list_fields(doc_type):
        return {"application/json": doc_type.schema}
    return {"application/json": doc_type.schema, "multipart/form-data": multipart_doc(doc_type)}


def _add_render_route(blp: Blueprint, doc_type: DocumentType, fmt: Format) -> None:
    def view():
        return render_response(doc_type, fmt)

    view.__doc__ = f"Tạo {doc_type.title} dạng {fmt.value.upper()}."
    view = problems(blp, (422, "Dữ liệu không hợp lệ (application/problem+json)"))(view)
    view = blp.response(200, BINARY, content_type=fmt.mimetype, description="Tệp văn bản")(view)
    view = blp.doc(summary=f"Tạo {doc_type.title} ({fmt.value.upper()})",
                   **request_body(_bodies(doc_type)))(view)
    blp.route(f"/documents/{doc_type.id}.{fmt.value}", methods=["POST"],
              endpoint=f"render_{doc_type.id}_{fmt.value}")(view)


def _add_type_routes(blp: Blueprint) -> None:
    @blp.route("/document-types", methods=["GET"])
    @blp.doc(summary="Danh sách loại văn bản")
    def list_types():
        """List the document types with their output formats."""
        return [type_summary(t) for t in registry.document_types().values()]

    @blp.route("/document-types/<type_id>", methods=["GET"])
    @blp.doc(summary="Chi tiết một loại văn bản: JSON Schema và ví dụ")
    @problems(blp, 404)
    def get_type(type_id: str):
        """One document type with its payload's JSON Schema and a complete valid example."""
        return type_detail(registry.require(type_id))


def build_blueprint() -> Blueprint:
    """A fresh blueprint per app: type routes and one render route per (type, format)."""
    blp = Blueprint("documents", __name__, url_prefix="/api/v1",
                    description="Loại văn bản và tạo văn bản DOCX/PDF")
    _add_type_routes(blp)
    for doc_type in registry.document_types().values():
        for fmt in doc_type.formats:
            _add_render_route(blp, doc_type, fmt)

    @blp.route("/documents/<path:name>", methods=["POST"])
    @blp.doc(summary="Loại văn bản hoặc định dạng không tồn tại")
    @problems(blp, 404)
    def render_unknown(name: str):
        """Unknown type or format: a clear 404."""
        type_id, _, ext = name.rpartition(".")
        doc_type = registry.require(type_id or name)
        raise Problem(404, "format_not_available", "Định dạng không hỗ trợ",
                      f"{doc_type.id} xuất ra: {', '.join(f.value for f in doc_type.formats)}"
                      f" (không có “{ext[:10]}”).")

    return blp
