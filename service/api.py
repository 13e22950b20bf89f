"""The JSON API: document types and synchronous rendering.

Routes are generated from the registry, one per (type, format), so each is documented in the
OpenAPI document with its own request schema; a type added to ``service/doctypes`` gets its
routes without touching this file.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, request, send_file
from flask_smorest import Blueprint

from service import registry
from service.errors import Problem
from service.jsonbody import parse_json
from service.jsonschema import document_schema
from service.registry import DocumentType, Format
from service.rendering import get_renderer, validate

JSON_TYPES = ("application/json",)


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback and the exact UTF-8 name in ``filename*``."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in ascii_name if c.isascii() and c not in '"\\')
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def read_body_limited(limit: int, detail: str) -> bytes:
    """The request body, or 413 when it is longer than ``limit`` bytes.

    A chunked body has no Content-Length: it is read in blocks up to one byte past the limit,
    so a body cut short by a limit is refused, never parsed as if it were whole (Werkzeug's
    own stream limit raises 413 when the limit is MAX_REQUEST_BYTES).
    """
    too_large = Problem(413, "payload_too_large", "Dữ liệu gửi lên quá lớn", detail)
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    stream = request.stream
    blocks: list[bytes] = []
    size = 0
    while True:
        block = stream.read(min(1 << 16, limit + 1 - size))
        if not block:
            break
        blocks.append(block)
        size += len(block)
        if size > limit:
            raise too_large
    return b"".join(blocks)


def read_json_body(max_bytes: int | None = None) -> object:
    """The request's JSON body, parsed strictly; 415 for another content type."""
    mimetype = request.mimetype or ""
    if mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
        raise Problem(415, "unsupported_media_type", "Kiểu nội dung không được hỗ trợ",
                      "Gửi dữ liệu JSON với Content-Type: application/json.")
    limit = max_bytes or current_app.config["MAX_DOCUMENT_JSON_BYTES"]
    raw = read_body_limited(limit, f"Văn bản đơn lẻ tối đa {limit} byte.")
    if not raw.strip():
        raise Problem(400, "json_empty", "Thiếu nội dung", "Yêu cầu không có nội dung JSON.")
    return parse_json(raw, max_depth=current_app.config["MAX_JSON_DEPTH"])


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


def get_type_or_404(type_id: str) -> DocumentType:
    doc_type = registry.get(type_id)
    if doc_type is None:
        raise Problem(404, "unknown_document_type", "Không có loại văn bản này",
                      f"Loại văn bản “{type_id[:60]}” không tồn tại."
                      " Xem GET /api/v1/document-types.")
    return doc_type


def render_response(doc_type: DocumentType, fmt: Format) -> Response:
    data = validate(doc_type, read_json_body())
    started = time.perf_counter()
    doc = get_renderer(current_app.config["TEMPLATES_DIR"]).render(
        doc_type, data, fmt, wait_s=float(current_app.config["SINGLE_RENDER_TIMEOUT_S"]))
    metrics = current_app.extensions.get("thidua_metrics")
    if metrics is not None:
        metrics.observe_render(doc_type.id, fmt.value, time.perf_counter() - started)
    response = send_file(io.BytesIO(doc.content), mimetype=doc.mimetype, as_attachment=True,
                         download_name=doc.filename)
    response.headers["Content-Disposition"] = content_disposition(doc.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def _add_render_route(blp: Blueprint, doc_type: DocumentType, fmt: Format) -> None:
    def view():
        return render_response(doc_type, fmt)

    view.__doc__ = f"Tạo {doc_type.title} dạng {fmt.value.upper()}."
    view = blp.doc(
        summary=f"Tạo {doc_type.title} ({fmt.value.upper()})",
        requestBody={"required": True,
                     "content": {"application/json": {"schema": doc_type.schema}}},
        responses={"200": {"description": "Tệp văn bản",
                           "content": {fmt.mimetype: {"schema": {"type": "string",
                                                                  "format": "binary"}}}},
                   "422": {"description": "Dữ liệu không hợp lệ (application/problem+json)"}},
    )(view)
    blp.route(f"/documents/{doc_type.id}.{fmt.value}", methods=["POST"],
              endpoint=f"render_{doc_type.id}_{fmt.value}")(view)


def build_blueprint() -> Blueprint:
    """A fresh blueprint per app: type routes and one render route per (type, format)."""
    blp = Blueprint("documents", __name__, url_prefix="/api/v1",
                    description="Loại văn bản và tạo văn bản DOCX/PDF")

    @blp.route("/document-types", methods=["GET"])
    @blp.doc(summary="Danh sách loại văn bản")
    def list_types():
        """List the document types with their output formats."""
        return [type_summary(t) for t in registry.document_types().values()]

    @blp.route("/document-types/<type_id>", methods=["GET"])
    @blp.doc(summary="Chi tiết một loại văn bản: JSON Schema và ví dụ")
    def get_type(type_id: str):
        """One document type with its payload's JSON Schema and a complete valid example."""
        return type_detail(get_type_or_404(type_id))

    for doc_type in registry.document_types().values():
        for fmt in doc_type.formats:
            _add_render_route(blp, doc_type, fmt)

    @blp.route("/documents/<path:name>", methods=["POST"])
    @blp.doc(summary="Loại văn bản hoặc định dạng không tồn tại")
    def render_unknown(name: str):
        """Unknown type or format: a clear 404."""
        type_id, _, ext = name.rpartition(".")
        doc_type = get_type_or_404(type_id or name)
        raise Problem(404, "format_not_available", "Định dạng không hỗ trợ",
                      f"{doc_type.id} xuất ra: {', '.join(f.value for f in doc_type.formats)}"
                      f" (không có “{ext[:10]}”).")

    return blp
