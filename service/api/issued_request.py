"""What an issuing request says, read once for the register's routes: the envelope
(``document_type``, ``payload`` and the flags ``sign``, ``pdfa``, ``dossier``; JSON or a
multipart form with the list files), the caller, and the answer with an issued document."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from flask import current_app, url_for

from service import registry
from service.api.common import read_json
from service.api.issued_schemas import IssuedSchema
from service.api.lists_form import is_multipart, multipart_issue_body
from service.auth.guard import current_principal
from service.auth.store import Principal
from service.core_errors import FieldError, UnknownDocumentType
from service.errors import Problem, validation_problem
from service.register import IssuedView, RegisterStore

EXTENSION = "thidua_register"
ISSUED = IssuedSchema()
# sign: false: not signed (service/signing); pdfa: true/false: PDF/A-2b or not (default: the
# PDFA_ISSUED setting); dossier: true: a decision's dossier queued in the same call
ENVELOPE = ("document_type", "payload", "sign", "pdfa", "dossier")
FLAGS = {"sign": "sign phải là true hoặc false.",
         "pdfa": "pdfa phải là true hoặc false.",
         "dossier": "dossier là true (in luôn hồ sơ bằng, giấy khen) hoặc false."}


def register() -> RegisterStore:
    return current_app.extensions[EXTENSION]


def principal() -> Principal:
    found = current_principal()
    if found is None:  # the guard lets no anonymous request reach these views
        raise Problem(401, "authentication_required", "Cần xác thực",
                      "Cần khóa API hoặc đăng nhập để dùng chức năng này.")
    return found


def issued_response(doc: IssuedView, status: int = 200, extra: dict | None = None):
    response = current_app.response_class(
        json.dumps({**ISSUED.dump(doc), **(extra or {})}, ensure_ascii=False), status=status,
        mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    if status == 201:
        response.headers["Location"] = url_for("issued.get_issued", issued_id=doc.id)
    if doc.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


class IssueRequest(NamedTuple):
    doc_type: registry.DocumentType
    payload: dict
    sign: bool
    pdfa: bool | None        # None: the PDFA_ISSUED setting decides
    dossier: bool


def _flag(body: dict, key: str, errors: list[FieldError]) -> bool | None:
    """A true/false member (a multipart form's field is the text ``true`` or ``false``)."""
    raw = body.get(key)
    if raw in ("true", "false"):
        return raw == "true"
    if raw is not None and not isinstance(raw, bool):
        errors.append(FieldError(f"/{key}", "invalid_type", FLAGS[key]))
        return None
    return raw


def _body() -> dict[str, Any]:
    limit = int(current_app.config["MAX_DOCUMENT_JSON_BYTES"])
    body = (multipart_issue_body() if is_multipart()  # the payload with its list files
            else read_json(limit, f"Văn bản ban hành tối đa {limit} byte."))
    if not isinstance(body, dict):
        raise validation_problem([FieldError("", "invalid_type",
                                             "Nội dung phải là một đối tượng JSON.")])
    return body


def read_issue_request() -> IssueRequest:
    """The request's envelope, every problem of it at once (422)."""
    body = _body()
    errors = [FieldError(f"/{str(key)[:40]}", "unknown_field", "Trường không được hỗ trợ.")
              for key in body if key not in ENVELOPE]
    doc_type = None
    try:
        doc_type = registry.require(body.get("document_type"))  # type: ignore[arg-type]
    except (UnknownDocumentType, TypeError):
        known = ", ".join(registry.document_types())
        errors.append(FieldError("/document_type", "unknown_document_type",
                                 f"Không có loại văn bản này (có: {known})."))
    if not isinstance(body.get("payload"), dict):
        errors.append(FieldError("/payload", "invalid_type",
                                 "payload phải là một đối tượng JSON (dữ liệu văn bản)."))
    sign, pdfa, dossier = (_flag(body, key, errors) for key in ("sign", "pdfa", "dossier"))
    if errors:
        raise validation_problem(errors)
    assert doc_type is not None
    return IssueRequest(doc_type, body["payload"], sign is not False, pdfa, bool(dossier))
