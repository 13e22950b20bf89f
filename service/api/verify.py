"""``POST /api/v1/verify``: is this file one we issued, and are its signatures valid?

A multipart form with one ``file`` (a PDF). The answer (200):
``{"issued": {…} | null, "hash_matches": bool, "signatures": [{"valid", "intact", "signer",
"signed_at", …}], "report": "…"}``: ``issued`` is the register's document whose stored file
has the upload's SHA-256 (so ``hash_matches`` says the file is exactly the issued one), each
signature is checked by :func:`service.signing.validate.verify_pdf` against the roots of
``SIGNING_TRUST_ROOTS``; ``report`` says it in Vietnamese.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from service.api.common import problems, request_body
from service.api.issued import register
from service.api.issued_schemas import IssuedSchema
from service.errors import FieldError, Problem, validation_problem
from service.register.lookup import by_sha256

ISSUED = IssuedSchema()


class VerifyUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "Tệp PDF cần kiểm tra"})


class SignatureSchema(Schema):
    field = fields.String()
    valid = fields.Boolean()
    intact = fields.Boolean()
    trusted = fields.Boolean()
    signer = fields.String(allow_none=True)
    issuer = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)
    signed_at = fields.String(allow_none=True)
    timestamped = fields.Boolean()
    covers_whole_file = fields.Boolean()
    message = fields.String()


class VerifySchema(Schema):
    issued = fields.Dict(allow_none=True)
    hash_matches = fields.Boolean()
    sha256 = fields.String()
    signatures = fields.List(fields.Nested(SignatureSchema))
    report = fields.String()


def _upload() -> bytes:
    if (request.mimetype or "") != "multipart/form-data":
        raise Problem(415, "unsupported_media_type", "Kiểu nội dung không được hỗ trợ",
                      "Gửi biểu mẫu multipart/form-data có trường file (tệp PDF).")
    upload = request.files.get("file")
    if upload is None:
        raise validation_problem([FieldError("/file", "required",
                                             "Chọn tệp PDF cần kiểm tra (trường file).")])
    return upload.read()


def verify():
    """The upload's register entry (by SHA-256) and its signatures."""
    from service.signing.validate import verify_pdf

    content = _upload()
    digest = hashlib.sha256(content).hexdigest()
    found = by_sha256(register().engine, digest)
    report = verify_pdf(content, current_app.config.get("SIGNING_TRUST_ROOTS", ""))
    return {"issued": ISSUED.dump(found[0]) if found else None,
            "hash_matches": found is not None, "sha256": digest,
            "signatures": [s.as_json() for s in report.signatures], "report": report.text()}


def build_blueprint() -> Blueprint:
    blp = Blueprint("verify", __name__, url_prefix="/api/v1",
                    description="Kiểm tra một tệp: đúng văn bản đã ban hành, chữ ký số hợp lệ")

    @blp.route("/verify", methods=["POST"], endpoint="verify")
    @blp.doc(summary="Kiểm tra tệp PDF: văn bản đã ban hành và chữ ký số",
             **request_body({"multipart/form-data": VerifyUploadSchema}))
    @blp.response(200, VerifySchema, description="Kết quả kiểm tra")
    @problems(blp, 413, 415, 422)
    @wraps(verify)
    def _verify():
        return verify()

    return blp
