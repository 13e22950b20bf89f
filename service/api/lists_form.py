"""A document with its lists in one multipart request: ``payload`` (the JSON text) and a
CSV/XLSX file per list field, named like the field (``entries``). Each file becomes that
field's items by the one list reader (:func:`service.tabular.lists.read_list`); its problems
keep their row and column and are addressed inside the payload."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from service.errors import FieldError, Problem, validation_problem
from service.jsonbody import parse_json

MULTIPART = "multipart/form-data"


def multipart_doc(doc_type: Any | None = None) -> dict[str, Any]:
    """The OpenAPI schema of the multipart form: ``payload`` and a file per list field (of
    ``doc_type``; of every type, with ``document_type``, for an issue)."""
    from service import registry
    from service.tabular.lists import list_fields

    types = [doc_type] if doc_type is not None else list(registry.document_types().values())
    properties: dict[str, Any] = {} if doc_type is not None else {
        "document_type": {"type": "string"}}
    properties["payload"] = {"type": "string",
                             "description": "Dữ liệu văn bản (JSON), không kèm danh sách gửi "
                                            "bằng tệp"}
    for each in types:
        for name, lf in list_fields(each).items():
            properties[name] = {"type": "string", "format": "binary",
                                "description": f"{lf.title} (.xlsx hoặc .csv)"}
    return {"type": "object", "required": ["payload"], "properties": properties}


def is_multipart() -> bool:
    return request.mimetype == MULTIPART


def read_upload(storage: Any, pointer: str, errors: list[FieldError]) -> tuple[bytes, str]:
    """The bytes and name of one uploaded list file (empty: an error)."""
    if storage is None or not storage.filename:
        errors.append(FieldError(pointer, "required",
                                 "Cần tệp danh sách (CSV hoặc XLSX)."))
        return b"", ""
    data = storage.read()
    if not data:
        errors.append(FieldError(pointer, "file_empty", "Tệp tải lên rỗng."))
    return data, storage.filename


def list_items(doc_type: Any, field: str, data: bytes, filename: str) -> list[dict[str, Any]]:
    """The items of one list field from a file: checked as an upload, then read."""
    from service.tabular.lists import list_field, read_list
    from service.uploads import check_ooxml, sniff

    lf = list_field(doc_type, field)
    if filename.lower().endswith(".xlsx") or sniff(data) in ("zip", "ole2"):
        check_ooxml(data, kind="xlsx")  # zip bombs, OLE2, DOCTYPE: before any parser
    table = read_list(lf, data, filename,
                      budget_s=float(current_app.config["UPLOAD_READ_TIMEOUT_S"]))
    return table.items


def _form_json(name: str, errors: list[FieldError], prefix: str) -> Any:
    values = request.form.getlist(name)
    if not values:
        errors.append(FieldError(f"{prefix}/{name}", "required", "Trường này là bắt buộc."))
        return None
    if len(values) > 1:
        errors.append(FieldError(f"{prefix}/{name}", "duplicate_field", "Trường gửi nhiều lần."))
    try:
        return parse_json(values[0].encode("utf-8"),
                          max_depth=int(current_app.config["MAX_JSON_DEPTH"]))
    except Problem as problem:
        errors.append(FieldError(f"{prefix}/{name}", problem.code,
                                 f"“{name}” không phải JSON hợp lệ: {problem.detail}"))
        return None


def fill_lists(doc_type: Any, payload: dict[str, Any], prefix: str = "") -> None:
    """Each uploaded file into its list field of ``payload``; every problem at once (422,
    pointers under ``prefix``)."""
    from service.tabular.lists import list_fields

    errors: list[FieldError] = []
    known = list_fields(doc_type)
    for name in request.files:
        pointer = f"{prefix}/{name[:40]}"
        files = request.files.getlist(name)
        if name not in known:
            errors.append(FieldError(pointer, "unknown_field",
                                     f"{doc_type.title} không có danh sách này (có: "
                                     f"{', '.join(known) or 'không có'})."))
        elif len(files) > 1:
            errors.append(FieldError(pointer, "duplicate_field", "Chỉ gửi một tệp mỗi danh sách."))
        elif payload.get(name):
            errors.append(FieldError(pointer, "duplicate_field",
                                     "Danh sách gửi cả trong payload và bằng tệp; chỉ gửi một."))
        else:
            data, filename = read_upload(files[0], pointer, errors)
            if data:
                _read_into(doc_type, payload, name, (data, filename), prefix, errors)
    if errors:
        raise validation_problem(errors)


def _read_into(doc_type: Any, payload: dict[str, Any], name: str, upload: tuple[bytes, str],
               prefix: str, errors: list[FieldError]) -> None:
    try:
        payload[name] = list_items(doc_type, name, *upload)
    except Problem as problem:
        if problem.status != 422 or not problem.errors:
            raise
        for e in problem.errors:
            e.pointer = f"{prefix}{e.pointer}"
        errors.extend(problem.errors)


def multipart_payload(doc_type: Any) -> dict[str, Any]:
    """A document's payload from ``payload`` (JSON text) and its list files."""
    errors: list[FieldError] = []
    unknown = [k for k in request.form if k != "payload"]
    errors += [FieldError(f"/{k[:40]}", "unknown_field", "Trường không được hỗ trợ.")
               for k in unknown]
    payload = _form_json("payload", errors, "")
    if payload is not None and not isinstance(payload, dict):
        errors.append(FieldError("/payload", "invalid_type",
                                 "payload phải là một đối tượng JSON (dữ liệu văn bản)."))
    if errors:
        raise validation_problem(errors)
    fill_lists(doc_type, payload)
    return payload


def multipart_issue_body() -> dict[str, Any]:
    """``document_type``, ``payload`` (JSON text) and the list files, as the JSON body of an
    issue would be: ``{"document_type": …, "payload": {…}}`` with its lists filled."""
    from service import registry
    from service.core_errors import UnknownDocumentType

    errors: list[FieldError] = []
    body: dict[str, Any] = {k: request.form.get(k) for k in request.form if k != "payload"}
    if body.get("sign") in ("true", "false"):  # a form field is text: sign=false as in JSON
        body["sign"] = body["sign"] == "true"
    payload = _form_json("payload", errors, "")
    if errors:
        raise validation_problem(errors)
    body["payload"] = payload
    try:
        doc_type = registry.require(str(body.get("document_type")))
    except UnknownDocumentType:
        return body  # the envelope's own check names the problem
    if isinstance(payload, dict):
        fill_lists(doc_type, payload, "/payload")
    return body
