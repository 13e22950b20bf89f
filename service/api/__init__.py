"""The HTTP API under ``/api/v1``, written with flask-smorest.

* :mod:`service.api.documents`: the document types and synchronous rendering;
* :mod:`service.api.batches` (and :mod:`~service.api.batches_input`): bulk runs as jobs;
* :mod:`service.api.lists` (and :mod:`~service.api.lists_form`): a list field from a
  spreadsheet, its blank XLSX, and documents sent with their list files (multipart);
* :mod:`service.api.issued` (and :mod:`~service.api.issued_support`,
  :mod:`~service.api.issued_schemas`): the register of issued documents;
* :mod:`service.api.verify`: a file checked against the register and its signatures;
* :mod:`service.api.common`: what both share (the one strict JSON-body reader, download
  answers, the OpenAPI descriptions of bodies and problems);
* :mod:`service.api.schemas`: the marshmallow schemas the OpenAPI document is built from.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from schemas import base
from service.api.schemas import ProblemSchema


class ServiceApi(Api):
    """flask-smorest's Api whose default error response is our problem+json."""

    ERROR_SCHEMA = ProblemSchema


def init_app(app: Flask) -> Api:
    """The OpenAPI document and every API route: the document types, rendering and (with
    their job store and supervisor) the batches."""
    from service.api import batches, documents, issued, lists, verify

    smorest = ServiceApi(app, spec_kwargs={"info": {"description": (
        "Tạo Chỉ thị, Kế hoạch, Quyết định khen thưởng và Bằng khen/Giấy khen theo "
        "Nghị định 30/2020/NĐ-CP. Mọi lỗi trả về application/problem+json. Xác thực: "
        "Authorization: Bearer <khóa API> (python -m service keys create TÊN).")},
        "security": [{"bearerAuth": []}]})
    smorest.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "Khóa API dạng thd_…; tạo bằng python -m service keys create TÊN"})
    smorest.register_field(base.Text, "string", None)
    smorest.register_field(base.Abbreviation, "string", None)
    smorest.register_field(base.StrictInt, "integer", None)
    smorest.register_field(base.IsoDate, "string", "date")
    smorest.register_field(base.Flag, "boolean", None)
    smorest.register_blueprint(documents.build_blueprint())
    smorest.register_blueprint(lists.build_blueprint())
    batches.init_app(app, smorest)  # batches: job store, supervisor, /api/v1/batches
    issued.init_app(app, smorest)   # the register of issued documents: /api/v1/issued
    smorest.register_blueprint(verify.build_blueprint())  # /api/v1/verify
    return smorest
