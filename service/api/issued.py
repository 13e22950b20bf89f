"""The register of issued documents over HTTP (the store: :mod:`service.register`).

| method and path                          | what it does                                      |
| ---------------------------------------- | ------------------------------------------------- |
| ``POST /api/v1/issued``                  | issue: the next number, files stored → 201        |
| ``GET /api/v1/issued``                   | search (number, year, document_type, q, voided)   |
| ``GET /api/v1/issued.xlsx`` / ``.csv``   | the same search, every match, as a table          |
| ``GET /api/v1/issued/register.pdf``      | the printed Sổ đăng ký văn bản đi of a ``year``   |
| ``GET /api/v1/issued/<id>``              | one issued document                               |
| ``GET /api/v1/issued/<id>.pdf``/``.docx``| the stored bytes                                  |
| ``POST /api/v1/issued/<id>/void``        | void it with a reason (admins only)               |
| ``GET /api/v1/issued/next-number``       | the number the next issue would take (a preview)  |
| ``POST /api/v1/issued/next-number``      | the same for a draft: validated, with its symbol  |
| ``POST /api/v1/issued/<id>/dossier``     | the decision's dossier as a batch job → 202       |

``POST /api/v1/issued`` with ``"dossier": true`` (a commendation decision) issues it and
queues its dossier in the same call: 201 with the issued document and ``dossier`` (the job,
its ``url``). When the dossier cannot be queued (a row that makes no valid certificate, a full
queue) the decision stays issued: 201 with ``"dossier": null`` and ``dossier_problem`` (the
problem+json the dossier route would answer; fix and ``POST …/<id>/dossier``). The
commendation register: :mod:`service.api.commendation`.

The register is the office's: every signed-in user and every API key reads it and issues;
only an admin voids. ``Idempotency-Key`` makes a retried issue return the document the first
one issued (the same key with another body: 422); keys are per caller.
"""

from __future__ import annotations

import json
import logging
from functools import wraps

from flask import Flask, current_app, request, url_for
from flask_smorest import Api, Blueprint
from sqlalchemy.exc import OperationalError

from service import registry
from service.api.batches_input import idempotency_key
from service.api.common import (
    BINARY,
    add_export_route,
    problems,
    read_json,
    request_body,
    send_attachment,
)
from service.api.issued_request import (
    EXTENSION,
    issued_response,
    principal,
    read_issue_request,
    register,
)
from service.api.issued_schemas import (
    IssuedPageSchema,
    IssuedSchema,
    IssueRequestSchema,
    NumberPreviewSchema,
    VoidRequestSchema,
)
from service.api.issued_support import (
    FILTER_PARAMETERS,
    NEXT_NUMBER_PARAMETERS,
    download_name,
    read_filters,
    read_sequence_query,
    read_year,
)
from service.api.lists_form import multipart_doc
from service.api.schemas import JobSchema
from service.auth.guard import admin_required
from service.core_errors import CoreError, FieldError
from service.errors import Problem, validation_problem
from service.http_errors import problem_response
from service.register import Filters, IssuedView, RegisterError, RegisterStore
from service.register.export import CSV_MIMETYPE, XLSX_MIMETYPE, to_csv, to_xlsx
from service.register.preview import preview_draft, preview_sequence
from service.register.problems import as_register_problem
from service.registry import Format

log = logging.getLogger(__name__)

PREVIEW = NumberPreviewSchema()
DECISION_TYPE = "commendation_decision"


def init_app(app: Flask, smorest: Api) -> None:
    """Open the register (migrating the database) and register its routes."""
    from service.api import commendation

    app.extensions[EXTENSION] = RegisterStore(app.config)
    smorest.register_blueprint(build_blueprint())
    commendation.init_app(app, smorest)  # the commendation register the dossiers number


# ---------------------------------------------------------------------------- views


def issue():
    """Take the next number, store the DOCX and PDF, record the document: 201."""
    key = idempotency_key()
    doc_type, payload, sign, pdfa, with_dossier = read_issue_request()
    if with_dossier and doc_type.id != DECISION_TYPE:
        raise validation_problem([FieldError("/dossier", "not_a_decision",
                                             "Chỉ quyết định khen thưởng mới có hồ sơ bằng, "
                                             "giấy khen.")])
    try:
        doc = register().issue(doc_type, payload, principal().owner, idempotency_key=key,
                               sign=sign, pdfa=pdfa)
    except (RegisterError, CoreError) as exc:
        raise as_register_problem(exc, payload_pointer="/payload") from None
    if not with_dossier:
        return issued_response(doc, 201)
    try:
        job = _submit_dossier(doc.id, key).job
    except Problem as problem:  # the decision is issued all the same: say why no dossier
        return issued_response(doc, 201, {"dossier": None,
                                           "dossier_problem": problem.as_dict()})
    response = issued_response(doc, 201, {"dossier": dossier_json(job)})
    response.headers["Link"] = f'<{dossier_json(job)["url"]}>; rel="dossier"'
    return response


def dossier_json(job) -> dict:
    from service.api.batches import job_json

    return {**job_json(job), "url": url_for("batches.get_batch", job_id=job.id)}


def _submit_dossier(issued_id: str, key: str | None):
    from service.api.batches import jobs
    from service.jobs.dossier import NotADecision, submit_dossier
    from service.jobs.runner import IdempotencyMismatch, QueueFull

    try:
        return submit_dossier(jobs(), register(), issued_id, owner=principal().owner,
                              idempotency_key=key and f"dossier:{key}")
    except NotADecision as exc:
        raise Problem(409, "not_a_decision", "Không có hồ sơ cho văn bản này",
                      exc.reason) from None
    except (RegisterError, CoreError) as exc:
        raise as_register_problem(exc, payload_pointer="/payload") from None
    except IdempotencyMismatch as mismatch:
        raise Problem(422, "idempotency_key_reused", "Idempotency-Key đã dùng cho yêu cầu "
                      "khác", f"Khóa này đã tạo lô {mismatch.existing.id}.") from None
    except QueueFull as full:
        problem = Problem(503, "queue_full", "Hàng đợi đang đầy",
                          f"Đang có {full.depth} mục chờ tạo; hồ sơ chưa được tạo, vui lòng "
                          f"gửi lại sau khoảng {full.retry_after_s} giây.")
        problem.headers["Retry-After"] = str(full.retry_after_s)
        raise problem from None


def dossier(issued_id: str):
    """The certificates of everyone on the decision's list, its files and its register
    entries as one ZIP, made by a batch job: 202 with the job (``Location``). Asked again
    while it runs or once delivered: the same job."""
    submission = _submit_dossier(issued_id, idempotency_key())
    response = current_app.response_class(
        json.dumps(dossier_json(submission.job), ensure_ascii=False), status=202,
        mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Location"] = url_for("batches.get_batch", job_id=submission.job.id)
    if submission.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def next_number():
    """The number the next issue of a sequence would take: nothing is reserved."""
    doc_type, agency, day = read_sequence_query(request.args)
    try:
        preview = preview_sequence(register(), doc_type, agency, day)
    except RegisterError as exc:
        raise as_register_problem(exc) from None
    return _no_store(PREVIEW.dump(preview))


def next_number_of_draft():
    """The number, symbol and date a draft would be issued with now (validated as an issue
    would be; nothing is reserved or stored)."""
    doc_type, payload = read_issue_request()[:2]
    try:
        preview = preview_draft(register(), doc_type, payload)
    except (RegisterError, CoreError) as exc:
        raise as_register_problem(exc, payload_pointer="/payload") from None
    return _no_store(PREVIEW.dump(preview))


def _no_store(body: dict):
    response = current_app.response_class(json.dumps(body, ensure_ascii=False),
                                          mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def search():
    """The register, newest first, one page."""
    page = register().search(read_filters(request.args, paged=True))
    return {"items": page.items, "total": page.total, "limit": page.limit,
            "offset": page.offset}  # dumped by IssuedPageSchema


def _type_titles() -> dict[str, str]:
    return {t.id: t.title for t in registry.document_types().values()}


def _export(kind: str):
    filters = read_filters(request.args, paged=False)
    docs = [doc for doc, _ in register().entries(filters)]
    name = f"Sổ đăng ký văn bản đi{f' {filters.year}' if filters.year else ''}.{kind}"
    if kind == "csv":
        return send_attachment(to_csv(docs, _type_titles()), CSV_MIMETYPE, name)
    return send_attachment(to_xlsx(docs, _type_titles()), XLSX_MIMETYPE, name)


def register_pdf():
    """The printed Sổ đăng ký văn bản đi of one year (Decree 30, Phụ lục IV)."""
    from service.register.book import register_pdf as print_register

    year = read_year(request.args)
    scope = request.args.get("sequence") or None
    entries = register().entries(Filters(year=year, scope=scope, oldest_first=True))
    pdf = print_register(entries, year, templates_dir=current_app.config["TEMPLATES_DIR"],
                         wait_s=float(current_app.config["SINGLE_RENDER_TIMEOUT_S"]))
    return send_attachment(pdf, Format.PDF.mimetype, f"Sổ đăng ký văn bản đi {year}.pdf")


def _require(issued_id: str) -> IssuedView:
    try:
        return register().require(issued_id)
    except RegisterError as exc:
        raise as_register_problem(exc) from None


def get_issued(issued_id: str):
    """One issued document."""
    return issued_response(_require(issued_id))


def download(issued_id: str, fmt: Format):
    """The stored bytes, exactly as issued."""
    doc = _require(issued_id)
    try:
        content = register().file_bytes(issued_id, fmt)
    except RegisterError as exc:
        raise as_register_problem(exc) from None
    return send_attachment(content, fmt.mimetype, download_name(doc, fmt),
                           cache_control="private, no-store")


def void(issued_id: str):
    """Void a document with a reason; its number stays taken (admins only)."""
    caller = principal()
    if not caller.is_admin:
        raise Problem(403, "forbidden", "Không có quyền",
                      "Chỉ quản trị viên được hủy văn bản đã ban hành.")
    body = read_json(64 * 1024, "Lý do hủy tối đa 64 KiB.")
    if not isinstance(body, dict) or set(body) - {"reason"} or \
            not isinstance(body.get("reason"), str):
        raise validation_problem([FieldError("/reason", "required",
                                             "Gửi {\"reason\": \"lý do hủy\"}.")])
    try:
        doc = register().void(issued_id, body["reason"], caller.owner)
    except (RegisterError, CoreError) as exc:
        raise as_register_problem(exc) from None
    return issued_response(doc)


# ---------------------------------------------------------------------------- routes


def _database_down(exc: OperationalError):
    log.error("register database unavailable: %s",
              type(exc.orig).__name__ if exc.orig else exc)
    problem = Problem(503, "register_unavailable", "Sổ đăng ký tạm thời không sẵn sàng",
                      "Không kết nối được cơ sở dữ liệu; vui lòng thử lại sau.")
    problem.headers["Retry-After"] = "10"
    return problem_response(problem)


IDEMPOTENCY_HEADER = {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                      "required": False, "description": "Gửi lại cùng khóa và cùng nội dung: "
                                                        "nhận lại đúng văn bản đã ban hành."}


def _add_collection_routes(blp: Blueprint) -> None:
    @blp.route("/issued", methods=["POST"], endpoint="issue")
    @blp.doc(summary="Ban hành một văn bản: cấp số, lưu DOCX và PDF",
             parameters=[IDEMPOTENCY_HEADER],
             **request_body({"application/json": IssueRequestSchema,
                             "multipart/form-data": multipart_doc()}))
    @blp.response(201, IssuedSchema, description="Văn bản đã ban hành (Location)")
    @problems(blp, 413, 415, 422, 503)
    @wraps(issue)
    def _issue():
        return issue()

    @blp.route("/issued", methods=["GET"], endpoint="search")
    @blp.doc(summary="Tra cứu sổ đăng ký văn bản đi", parameters=FILTER_PARAMETERS)
    @blp.response(200, IssuedPageSchema, description="Một trang kết quả")
    @problems(blp, 422)
    @wraps(search)
    def _search():
        return search()

    _add_preview_routes(blp)
    for kind, mimetype in (("xlsx", XLSX_MIMETYPE), ("csv", CSV_MIMETYPE)):
        add_export_route(blp, f"/issued.{kind}", kind, mimetype, "Xuất sổ đăng ký",
                         FILTER_PARAMETERS[:-2], _export)

    @blp.route("/issued/register.pdf", methods=["GET"], endpoint="register_pdf")
    @blp.doc(summary="In sổ đăng ký văn bản đi của một năm (PDF)", parameters=[
        {"in": "query", "name": "year", "schema": {"type": "integer"}, "required": False},
        {"in": "query", "name": "sequence", "schema": {"type": "string"}, "required": False}])
    @blp.response(200, BINARY, content_type="application/pdf", description="PDF")
    @problems(blp, 422)
    @wraps(register_pdf)
    def _book():
        return register_pdf()


def _add_preview_routes(blp: Blueprint) -> None:
    @blp.route("/issued/next-number", methods=["GET"], endpoint="next_number")
    @blp.doc(summary="Số mà lần ban hành kế tiếp sẽ nhận (xem trước, không giữ số)",
             parameters=NEXT_NUMBER_PARAMETERS)
    @blp.response(200, NumberPreviewSchema, description="Số kế tiếp của dãy số")
    @problems(blp, 422)
    @wraps(next_number)
    def _next():
        return next_number()

    @blp.route("/issued/next-number", methods=["POST"], endpoint="next_number_of_draft")
    @blp.doc(summary="Số, ký hiệu và ngày một dự thảo sẽ nhận nếu ban hành bây giờ",
             **request_body({"application/json": IssueRequestSchema}))
    @blp.response(200, NumberPreviewSchema, description="Số kế tiếp, ký hiệu, ngày")
    @problems(blp, 413, 415, 422)
    @wraps(next_number_of_draft)
    def _next_of_draft():
        return next_number_of_draft()


def _add_download_route(blp: Blueprint, fmt: Format) -> None:
    def view(issued_id: str):
        return download(issued_id, fmt)

    view.__doc__ = f"The stored {fmt.value.upper()} of an issued document."
    view = problems(blp, 404)(view)
    view = blp.response(200, BINARY, content_type=fmt.mimetype,
                        description=fmt.value.upper())(view)
    view = blp.doc(summary=f"Tải {fmt.value.upper()} đã ban hành")(view)
    blp.route(f"/issued/<issued_id>.{fmt.value}", methods=["GET"],
              endpoint=f"download_{fmt.value}")(view)


def _add_document_routes(blp: Blueprint) -> None:
    @blp.route("/issued/<issued_id>", methods=["GET"], endpoint="get_issued")
    @blp.doc(summary="Một văn bản đã ban hành")
    @blp.response(200, IssuedSchema, description="Văn bản đã ban hành")
    @problems(blp, 404)
    @wraps(get_issued)
    def _get(issued_id: str):
        return get_issued(issued_id)

    for fmt in (Format.PDF, Format.DOCX):
        _add_download_route(blp, fmt)

    @blp.route("/issued/<issued_id>/dossier", methods=["POST"], endpoint="dossier")
    @blp.doc(summary="Làm hồ sơ khen thưởng (bằng, giấy khen, sổ) của một quyết định",
             parameters=[IDEMPOTENCY_HEADER])
    @blp.response(202, JobSchema, description="Lô tạo hồ sơ (tài nguyên lô)")
    @problems(blp, 404, 409, 422, 503)
    @wraps(dossier)
    def _dossier(issued_id: str):
        return dossier(issued_id)

    @blp.route("/issued/<issued_id>/void", methods=["POST"], endpoint="void")
    @blp.doc(summary="Hủy một văn bản đã ban hành (quản trị viên)",
             **request_body({"application/json": VoidRequestSchema}))
    @blp.response(200, IssuedSchema, description="Văn bản, đã hủy")
    @problems(blp, 403, 404, 409, 422)
    @wraps(void)
    @admin_required
    def _void(issued_id: str):
        return void(issued_id)


def build_blueprint() -> Blueprint:
    blp = Blueprint("issued", __name__, url_prefix="/api/v1",
                    description="Sổ đăng ký văn bản đi: ban hành, tra cứu, hủy")
    blp.errorhandler(OperationalError)(_database_down)
    _add_collection_routes(blp)
    _add_document_routes(blp)
    return blp
