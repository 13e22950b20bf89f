"""The register's bodies as marshmallow schemas (the OpenAPI document is built from them; the
request bodies are read by the strict JSON reader of :mod:`service.api.common`)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import Schema, fields

from service.api.schemas import Stamp


class HashesSchema(Schema):
    pdf = fields.String(allow_none=True)
    docx = fields.String(allow_none=True)


class SignerSchema(Schema):
    name = fields.String()
    position = fields.String()


class IssuedSchema(Schema):
    """An issued document as the register records it."""

    id = fields.String()
    document_type = fields.String()
    number = fields.Integer(metadata={"description": "Số thứ tự trong năm (1, 2, …)"})
    number_text = fields.String(metadata={"description": "Số như in trên văn bản: 01, 02, …"})
    symbol = fields.String(metadata={"description": "Ký hiệu, ví dụ QĐ-SGDĐT"})
    number_symbol = fields.String(metadata={"description": "05/QĐ-SGDĐT"})
    date = fields.Date()
    year = fields.Integer()
    sequence = fields.String(attribute="scope",
                             metadata={"description": "Dãy số: cơ quan (và loại văn bản)"})
    summary = fields.String()
    issuer_name = fields.String()
    signer = fields.Method("_signer", metadata={"type": "object"})
    recipients = fields.List(fields.String())
    issued_by = fields.String()
    issued_at = Stamp()
    sha256 = fields.Nested(HashesSchema)
    files = fields.Method("_files", metadata={"type": "object"})
    voided = fields.Boolean()
    voided_at = Stamp(allow_none=True)
    void_reason = fields.String(allow_none=True)
    voided_by = fields.String(allow_none=True)
    verification_code = fields.String(allow_none=True, metadata={
        "description": "Mã xác minh: trang công khai /xac-minh/<mã> (XXXX-XXXX-XXXX-XXXX)"})

    def _signer(self, doc: Any) -> dict[str, str]:
        return {"name": doc.signer_name, "position": doc.signer_position}

    def _files(self, doc: Any) -> dict[str, str | None]:
        return {fmt: (url_for(f"issued.download_{fmt}", issued_id=doc.id) if name else None)
                for fmt, name in doc.files.items()}


class IssuedPageSchema(Schema):
    """One page of a search of the register."""

    items = fields.List(fields.Nested(IssuedSchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class IssueRequestSchema(Schema):
    """Issue a document: its type and its payload, whose ``number`` is left null."""

    document_type = fields.String(required=True)
    payload = fields.Dict(required=True, metadata={
        "description": "Dữ liệu văn bản như khi tạo văn bản; number để null (sổ cấp số), "
                       "date để null thì lấy ngày ban hành là hôm nay."})
    sign = fields.Boolean(load_default=True, metadata={
        "description": "Khi máy chủ có khóa ký số của cơ quan: false để không ký tệp PDF."})
    dossier = fields.Boolean(load_default=False, metadata={
        "description": "Quyết định khen thưởng: true để tạo luôn hồ sơ (bằng, giấy khen, sổ "
                       "khen thưởng) bằng một lô; câu trả lời có thêm dossier (lô, url)."})
    pdfa = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "true: tệp PDF lưu trữ PDF/A-2b (ký sau khi chuyển); mặc định theo "
                       "THIDUA_PDFA_ISSUED."})


class VoidRequestSchema(Schema):
    reason = fields.String(required=True, metadata={"description": "Lý do hủy (1-500 ký tự)"})


class NumberPreviewSchema(Schema):
    """The number the next issue would most likely take (nothing reserved)."""

    number = fields.Integer(metadata={"description": "Số thứ tự trong năm"})
    number_text = fields.String(metadata={"description": "07"})
    symbol = fields.String(allow_none=True, metadata={
        "description": "Ký hiệu (chỉ khi gửi cả dự thảo)"})
    number_symbol = fields.String(allow_none=True, metadata={"description": "07/QĐ-UBND"})
    date = fields.Date(allow_none=True)
    year = fields.Integer()
    sequence = fields.String(metadata={"description": "Dãy số: cơ quan (và loại văn bản)"})
    reserved = fields.Constant(False, metadata={
        "description": "Luôn false: số chưa được giữ; ai ban hành trước lấy số này"})
