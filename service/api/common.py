"""What the API's routes share: reading a body within a limit, the one strict JSON-body
reader, the download headers, and the OpenAPI descriptions of bodies and problems."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request, send_file

from service.api.schemas import ProblemSchema
from service.errors import PROBLEM_MIMETYPE, Problem
from service.jsonbody import parse_json

JSON_TYPES = ("application/json",)
BINARY = {"type": "string", "format": "binary"}


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback and the exact UTF-8 name in ``filename*``."""
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


def is_json_request() -> bool:
    mimetype = request.mimetype or ""
    return mimetype in JSON_TYPES or mimetype.endswith("+json")


def read_json(limit: int, too_large: str) -> Any:
    """The one JSON-body reader: at most ``limit`` bytes (else 413 saying ``too_large``),
    not empty (400 ``json_empty``), parsed strictly (duplicate keys, NaN, depth: 400)."""
    raw = read_body_limited(limit, too_large)
    if not raw.strip():
        raise Problem(400, "json_empty", "Thiếu nội dung", "Yêu cầu không có nội dung JSON.")
    return parse_json(raw, max_depth=int(current_app.config["MAX_JSON_DEPTH"]))


def send_attachment(content: bytes | Path, mimetype: str, filename: str, *,
                    cache_control: str = "no-store", **kwargs: Any) -> Response:
    """A download: the file under its exact Vietnamese name, never cached."""
    source = io.BytesIO(content) if isinstance(content, bytes) else content
    response = send_file(source, mimetype=mimetype, as_attachment=True, download_name=filename,
                         **kwargs)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = cache_control
    return response


# ---------------------------------------------------------------------------- OpenAPI


def request_body(content: dict[str, Any]) -> dict[str, Any]:
    """The ``requestBody`` of an operation (for ``blp.doc``): media type → marshmallow schema
    (class or instance; apispec makes it a component). Documentation only: the body is still
    read by :func:`read_json` (or the multipart reader), never by webargs."""
    media = {kind: {"schema": schema} for kind, schema in content.items()}
    return {"requestBody": {"required": True, "content": media}}


def problems(blp, *statuses: int | tuple[int, str]):
    """Document problem+json answers (status, or (status, description)) on a view."""
    def decorate(view):
        for entry in reversed(statuses):
            status, description = entry if isinstance(entry, tuple) else (entry, None)
            view = blp.alt_response(status, schema=ProblemSchema,
                                    description=description or "application/problem+json",
                                    content_type=PROBLEM_MIMETYPE)(view)
        return view

    return decorate


def add_export_route(blp, path: str, kind: str, mimetype: str, summary: str,
                     parameters: list, export) -> None:
    """``GET <path>``: a search's every match as a table file (``export(kind)`` answers)."""
    def view():
        return export(kind)

    view.__doc__ = f"The search's every match as {kind.upper()}."
    view = problems(blp, 422)(view)
    view = blp.response(200, BINARY, content_type=mimetype, description=kind.upper())(view)
    view = blp.doc(summary=f"{summary} ({kind.upper()})", parameters=parameters)(view)
    blp.route(path, methods=["GET"], endpoint=f"export_{kind}")(view)
