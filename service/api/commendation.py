"""The commendation register over HTTP (the store: :mod:`service.register.commendation`).

| method and path                                   | what it does                              |
| ------------------------------------------------- | ----------------------------------------- |
| ``GET /api/v1/commendation-register``             | entries (year, register, name, unit,      |
|                                                   | decision), paginated                      |
| ``GET /api/v1/commendation-register.xlsx``/``.csv``| the same search, every match, as a table |
| ``GET /api/v1/commendation-register/history``     | a person's commendations: ``name`` and    |
|                                                   | ``unit``, or ``identifier``               |

Like the register of issued documents, it is the office's: every signed-in user and every
API key reads it. Its numbers are taken by dossiers (``POST /api/v1/issued/<id>/dossier``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import wraps

from flask import Flask, current_app, request
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

from service.api.common import add_export_route, problems, send_attachment
from service.api.issued_support import MAX_LIMIT, MAX_TEXT, query_int
from service.core_errors import FieldError
from service.errors import validation_problem
from service.register.commendation import (
    REGISTER_TITLES,
    STATE_TITLES,
    CommendationStore,
    EntryFilters,
    EntryView,
)
from service.register.commendation_export import CSV_MIMETYPE, XLSX_MIMETYPE, to_csv, to_xlsx

EXTENSION = "thidua_commendation"


class CommendationEntrySchema(Schema):
    """One number of a commendation register and the certificate it was given to."""

    register = fields.String(metadata={"description": "bang_khen, giay_khen, danh_hieu hoặc "
                                                      "khen_thuong (một sổ chung)"})
    register_title = fields.Function(lambda e: REGISTER_TITLES.get(e.register, e.register))
    number = fields.Integer()
    year = fields.Integer()
    award = fields.String()
    award_label = fields.String()
    recipient_kind = fields.String()
    recipient_name = fields.String()
    unit = fields.String(allow_none=True)
    identifier = fields.String(allow_none=True)
    decision_number = fields.String()
    decision_date = fields.Date()
    issued_id = fields.String()
    batch_id = fields.String(attribute="job_id")
    state = fields.String(metadata={"description": "reserved (đang in), printed, cancelled"})
    state_title = fields.Function(lambda e: STATE_TITLES.get(e.state, e.state))


class CommendationPageSchema(Schema):
    items = fields.List(fields.Nested(CommendationEntrySchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class CommendationHistorySchema(Schema):
    items = fields.List(fields.Nested(CommendationEntrySchema))


def _text_param(name: str, description: str) -> dict:
    return {"in": "query", "name": name, "required": False, "schema": {"type": "string"},
            "description": description}


FILTER_PARAMETERS = [
    {"in": "query", "name": "year", "required": False,
     "schema": {"type": "integer", "minimum": 1945, "maximum": 2100},
     "description": "Năm của quyết định"},
    _text_param("register", "Sổ: bang_khen, giay_khen, danh_hieu, khen_thuong"),
    _text_param("name", "Chữ trong tên người, tập thể (có hoặc không dấu)"),
    _text_param("unit", "Chữ trong tên đơn vị"),
    _text_param("decision", "Số, ký hiệu quyết định (1520/QĐ-SGDĐT) hoặc mã quyết định"),
    {"in": "query", "name": "limit", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
    {"in": "query", "name": "offset", "required": False,
     "schema": {"type": "integer", "minimum": 0}},
]
HISTORY_PARAMETERS = [_text_param("name", "Họ tên (đúng tên, có hoặc không dấu)"),
                      _text_param("unit", "Đơn vị (đúng tên)"),
                      _text_param("identifier", "Mã định danh, khi danh sách có")]


def init_app(app: Flask, smorest: Api) -> None:
    app.extensions[EXTENSION] = CommendationStore(app.config, migrate=False)
    smorest.register_blueprint(build_blueprint())


def store() -> CommendationStore:
    return current_app.extensions[EXTENSION]


def _texts(args: Mapping[str, str], names: tuple[str, ...],
           errors: list[FieldError]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in names:
        value = (args.get(name) or "").strip() or None
        if value is not None and len(value) > MAX_TEXT:
            errors.append(FieldError(f"/{name}", "too_long", f"Tối đa {MAX_TEXT} ký tự."))
        out[name] = value
    return out


def read_filters(args: Mapping[str, str], *, paged: bool) -> EntryFilters:
    """The search in the query string; 422 naming every bad parameter."""
    errors: list[FieldError] = []
    year = query_int(args, "year", 1945, 2100, errors)
    limit = query_int(args, "limit", 1, MAX_LIMIT, errors) if paged else None
    offset = query_int(args, "offset", 0, 10_000_000, errors) if paged else None
    texts = _texts(args, ("register", "name", "unit", "decision"), errors)
    if errors:
        raise validation_problem(errors)
    return EntryFilters(year=year, limit=limit or (20 if paged else 10_000_000),
                        offset=offset or 0, **texts)


def search():
    """The register's entries, register by register in number order, one page."""
    page = store().search(read_filters(request.args, paged=True))
    return {"items": page.items, "total": page.total, "limit": page.limit,
            "offset": page.offset}


def history():
    """Every commendation of one person or collective: by ``identifier``, or by exactly this
    ``name`` within exactly this ``unit`` (case and diacritics folded)."""
    errors: list[FieldError] = []
    texts = _texts(request.args, ("name", "unit", "identifier"), errors)
    if not texts["identifier"] and not texts["name"]:
        errors.append(FieldError("/name", "required",
                                 "Cho biết họ tên (và đơn vị) hoặc mã định danh."))
    if errors:
        raise validation_problem(errors)
    return {"items": store().history(**texts)}


def _export(kind: str):
    filters = read_filters(request.args, paged=False)
    entries: list[EntryView] = store().entries(filters)
    name = f"Sổ khen thưởng{f' {filters.year}' if filters.year else ''}.{kind}"
    if kind == "csv":
        return send_attachment(to_csv(entries), CSV_MIMETYPE, name)
    return send_attachment(to_xlsx(entries), XLSX_MIMETYPE, name)


def build_blueprint() -> Blueprint:
    blp = Blueprint("commendation", __name__, url_prefix="/api/v1",
                    description="Sổ khen thưởng (sổ vàng): số của từng bằng, giấy khen")

    @blp.route("/commendation-register", methods=["GET"], endpoint="search")
    @blp.doc(summary="Tra cứu sổ khen thưởng", parameters=FILTER_PARAMETERS)
    @blp.response(200, CommendationPageSchema, description="Một trang kết quả")
    @problems(blp, 422)
    @wraps(search)
    def _search():
        return search()

    @blp.route("/commendation-register/history", methods=["GET"], endpoint="history")
    @blp.doc(summary="Quá trình khen thưởng của một người, một tập thể",
             parameters=HISTORY_PARAMETERS)
    @blp.response(200, CommendationHistorySchema, description="Các lần được khen")
    @problems(blp, 422)
    @wraps(history)
    def _history():
        return history()

    for kind, mimetype in (("xlsx", XLSX_MIMETYPE), ("csv", CSV_MIMETYPE)):
        add_export_route(blp, f"/commendation-register.{kind}", kind, mimetype,
                         "Xuất sổ khen thưởng", FILTER_PARAMETERS[:-2], _export)
    return blp
