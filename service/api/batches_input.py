"""Reading a batch submission: the JSON envelope or the multipart form with its CSV/XLSX
file, checked as a whole (every problem of the envelope at once) before any item is."""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any

from flask import current_app, request

from service import registry
from service.api.common import read_json
from service.bulk import Output
from service.core_errors import UnknownDocumentType
from service.errors import FieldError, Problem, validation_problem
from service.jobs.runner import request_fingerprint
from service.jsonbody import parse_json
from service.registry import DocumentType

ENVELOPE = ("document_type", "output", "common", "items")
MULTIPART_FIELDS = ("document_type", "output", "common")


def _name(key) -> str:
    """A form field's name as echoed in an error: never None, never longer than 40."""
    text = "" if key is None else str(key)
    return text[:40] + ("…" if len(text) > 40 else "")


def _unknown_fields(body: dict[str, Any], allowed: tuple[str, ...]) -> list[FieldError]:
    return [FieldError(f"/{_name(key)}", "unknown_field", "Trường không được hỗ trợ.")
            for key in body if key not in allowed]


def _document_type(type_id: Any, errors: list[FieldError]) -> DocumentType | None:
    if type_id is None:
        errors.append(FieldError("/document_type", "required", "Trường này là bắt buộc."))
        return None
    if isinstance(type_id, str):
        with contextlib.suppress(UnknownDocumentType):
            return registry.require(type_id)
    known = ", ".join(registry.document_types())
    errors.append(FieldError("/document_type", "unknown_document_type",
                             f"Không có loại văn bản này (có: {known})."))
    return None


def _output(value: Any, doc_type: DocumentType | None,
            errors: list[FieldError]) -> Output | None:
    if value is None:
        errors.append(FieldError("/output", "required", "Trường này là bắt buộc."))
        return None
    output = next((o for o in Output if isinstance(value, str) and o.value == value), None)
    if output is None:
        errors.append(FieldError("/output", "invalid_choice",
                                 "output phải là pdf, zip-pdf hoặc zip-docx."))
    elif doc_type is not None and output.item_format not in doc_type.formats:
        errors.append(FieldError("/output", "format_not_available",
                                 f"{doc_type.title} không xuất ra "
                                 f"{output.item_format.value.upper()}."))
    return output


def _shape(body: dict[str, Any], with_items: bool) -> list[FieldError]:
    errors = []
    if "common" in body and not isinstance(body["common"], dict):
        errors.append(FieldError("/common", "invalid_type",
                                 "“common” phải là một đối tượng JSON."))
    if with_items and "items" not in body:
        errors.append(FieldError("/items", "required", "Trường này là bắt buộc."))
    elif with_items and not isinstance(body["items"], list):
        errors.append(FieldError("/items", "invalid_type", "“items” phải là một danh sách."))
    return errors


def check_envelope(body: dict[str, Any], *, multipart: bool) -> tuple[DocumentType, Output]:
    """The envelope's own fields; every problem at once (422)."""
    allowed = (*MULTIPART_FIELDS, "file") if multipart else ENVELOPE
    errors = _unknown_fields(body, allowed)
    doc_type = _document_type(body.get("document_type"), errors)
    output = _output(body.get("output"), doc_type, errors)
    errors += _shape(body, not multipart)
    if errors:
        raise validation_problem(errors)
    return doc_type, output  # type: ignore[return-value]


def check_size(count: int) -> None:
    limit = int(current_app.config["MAX_BATCH_ITEMS"])
    if count > limit:
        raise Problem(413, "batch_too_large", "Danh sách quá dài",
                      f"Tối đa {limit} mục mỗi lô (đã gửi {count}).")


def idempotency_key() -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # RFC 8941 sf-string form
        key = key[1:-1]
    if not 1 <= len(key) <= 255 or not all(0x21 <= ord(c) <= 0x7E for c in key):
        raise Problem(400, "idempotency_key_invalid", "Idempotency-Key không hợp lệ",
                      "Idempotency-Key phải có 1–255 ký tự ASCII in được, không có dấu cách.")
    return key


class Envelope:
    """A submission as read from the request, before its items are validated."""

    def __init__(self, body: dict[str, Any], fingerprint: str, *, upload: bytes | None = None,
                 filename: str = "", errors: list[FieldError] | None = None) -> None:
        self.body, self.fingerprint = body, fingerprint
        self.multipart = upload is not None
        self.upload, self.filename = upload or b"", filename
        self.errors = errors or []

    def resolve(self):
        """Check the envelope and read the items: (doc_type, output, common, items, rows)."""
        try:
            doc_type, output = check_envelope(self.body, multipart=self.multipart)
        except Problem as problem:
            raise validation_problem(self.errors + problem.errors) from None
        if self.errors:
            raise validation_problem(self.errors)
        common = self.body.get("common", {})
        if not self.multipart:
            return doc_type, output, common, self.body["items"], None
        items, rows = read_table(doc_type, self.upload, self.filename)
        return doc_type, output, common, items, rows


def json_envelope() -> Envelope:
    limit = int(current_app.config["MAX_REQUEST_BYTES"])
    body = read_json(limit, f"Một lô gửi dạng JSON tối đa {limit} byte.")
    if not isinstance(body, dict):
        raise validation_problem([FieldError("", "invalid_type",
                                             "Nội dung phải là một đối tượng JSON.")])
    return Envelope(body, request_fingerprint(body))


def _form_fields(errors: list[FieldError]) -> dict[str, Any]:
    form = request.form  # Werkzeug enforces MAX_CONTENT_LENGTH / form memory / parts → 413
    body: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        if len(values) > 1:
            errors.append(FieldError(f"/{_name(key)}", "duplicate_field",
                                     "Trường gửi nhiều lần."))
        body[key] = values[0]
    return body


def _file_fields(errors: list[FieldError]) -> None:
    files = request.files
    for key in files:
        if key != "file":
            errors.append(FieldError(f"/{_name(key)}", "unknown_field",
                                     "Trường không được hỗ trợ."))
        elif len(files.getlist(key)) > 1:
            errors.append(FieldError("/file", "duplicate_field", "Chỉ gửi một tệp mỗi lô."))


def _parse_common(body: dict[str, Any], errors: list[FieldError]) -> None:
    if "common" not in body:
        return
    try:
        body["common"] = parse_json(body["common"].encode("utf-8"),
                                    max_depth=int(current_app.config["MAX_JSON_DEPTH"]))
    except Problem as problem:
        errors.append(FieldError("/common", problem.code,
                                 f"“common” không phải JSON hợp lệ: {problem.detail}"))
        body.pop("common")


def _upload(errors: list[FieldError]) -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors.append(FieldError("/file", "required",
                                 "Cần tệp danh sách (CSV hoặc XLSX) trong trường “file”."))
        return b"", upload.filename if upload is not None else ""
    data = upload.read()
    if not data:
        errors.append(FieldError("/file", "file_empty", "Tệp tải lên rỗng."))
    return data, upload.filename


def multipart_envelope() -> Envelope:
    """document_type, output, common (JSON text) and file (CSV or XLSX)."""
    errors: list[FieldError] = []
    body = _form_fields(errors)
    _file_fields(errors)
    _parse_common(body, errors)
    data, filename = _upload(errors)
    fingerprint = request_fingerprint({"document_type": body.get("document_type"),
                                       "output": body.get("output"),
                                       "common": body.get("common"),
                                       "file": hashlib.sha256(data).hexdigest()})
    return Envelope(body, fingerprint, upload=data, filename=filename, errors=errors)


def read_table(doc_type, data: bytes, filename: str) -> tuple[list[dict], list[int]]:
    """The items and their spreadsheet row numbers from an uploaded CSV or XLSX."""
    from service import tabular
    from service.uploads import check_ooxml, sniff

    if filename.lower().endswith(".xlsx") or sniff(data) in ("zip", "ole2"):
        check_ooxml(data, kind="xlsx")  # zip bombs, OLE2, DOCTYPE: before any parser
    table = tabular.read_table(data, filename, doc_type.schema,
                               max_rows=int(current_app.config["MAX_BATCH_ITEMS"]),
                               budget_s=float(current_app.config["UPLOAD_READ_TIMEOUT_S"]))
    return table.items, table.rows

