"""The clerks' pages. Every page is a shell: the browser builds forms from the type's JSON
Schema (embedded in the page, the same JSON ``GET /api/v1/document-types/<id>`` returns)
and calls the JSON API for previews, downloads and batches."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    make_response,
    render_template,
    request,
)
from werkzeug.exceptions import HTTPException, NotFound

from service import registry
from service.api.common import send_attachment
from service.api.documents import type_detail
from service.bulk import Output
from service.core_errors import CoreError, UnknownDocumentType
from service.errors import PROBLEM_MIMETYPE, Problem, as_problem
from service.http_errors import http_problem, problem_response
from service.registry import safe_file_stem
from service.web.session import HEADER, csrf_token

log = logging.getLogger(__name__)

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/web/static")

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Everything the pages load comes from this service: no CDN, no inline script or style.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "object-src 'self' blob:; frame-src 'self' blob:; connect-src 'self' blob:; "
       "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
OUTPUT_LABELS = {
    Output.PDF: "Một tệp PDF gộp tất cả văn bản (để in liền)",
    Output.ZIP_PDF: "Tệp ZIP, mỗi văn bản một tệp PDF",
    Output.ZIP_DOCX: "Tệp ZIP, mỗi văn bản một tệp Word (DOCX)",
}
# What a clerk reads when an address names a type the service does not have.
UNKNOWN_TYPE = "Loại văn bản bạn tìm không có trong dịch vụ. Hãy chọn lại từ trang chủ."


@bp.app_context_processor
def _page_globals() -> dict:
    return {"csrf_token": csrf_token, "csrf_header": HEADER}


def render_page(template: str, status: int = 200, **context) -> Response:
    """A page with its security headers; pages carry the CSRF token, so never cached."""
    response = make_response(render_template(template, **context), status)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def batches_enabled() -> bool:
    return "batches.create_batch" in current_app.view_functions


@bp.get("/")
def home() -> Response:
    """The document types, each with its form and its batch page."""
    return render_page("web/home.html", types=list(registry.document_types().values()),
                       batches=batches_enabled())


@bp.get("/van-ban/<type_id>")
def document_form(type_id: str) -> Response:
    """One document type's form, preview and downloads."""
    from service.register import is_issuable

    doc_type = registry.require(type_id)
    return render_page("web/document.html", doc_type=doc_type, detail=type_detail(doc_type),
                       batches=batches_enabled(), issuable=is_issuable(doc_type))


@bp.get("/hang-loat")
def batch() -> Response:
    """Upload a list, fill the common fields, run a batch job, watch it, download it."""
    types = list(registry.document_types().values())
    wanted = request.args.get("loai", "")
    selected = next((t for t in types if t.id == wanted), None) or next(
        (t for t in types if t.batch is not None), types[0])
    outputs = [{"id": output.value, "label": label, "format": output.item_format.value}
               for output, label in OUTPUT_LABELS.items()]
    # The selected type's detail rides with the page; another type's comes from the API
    # when the clerk picks it.
    return render_page("web/batch.html", types=types, selected=selected,
                       detail=type_detail(selected), outputs=outputs, batches=batches_enabled())


@bp.get("/hang-loat/<type_id>/mau.xlsx")
def batch_template(type_id: str) -> Response:
    """The blank XLSX list of a type: one column per field a row may fill."""
    from service import tabular

    doc_type = registry.require(type_id)
    name = f"{safe_file_stem('Mẫu danh sách - ' + doc_type.title)}.xlsx"
    return send_attachment(tabular.xlsx_template(doc_type), XLSX_MIMETYPE, name)


# ---------------------------------------------------------------------------- errors


def error_page(status: int, title: str, detail: str) -> Response:
    return render_page("web/error.html", status=status, title=title, detail=detail,
                       code=status, batches=batches_enabled())


@bp.errorhandler(Problem)
def _problem(exc: Problem) -> Response:
    return error_page(exc.status, exc.title, exc.detail)


@bp.errorhandler(CoreError)
def _core(exc: CoreError) -> Response:
    """The core's errors, as the API maps them, but told to a clerk."""
    problem = as_problem(exc)
    detail = UNKNOWN_TYPE if isinstance(exc, UnknownDocumentType) else problem.detail
    return error_page(problem.status, problem.title, detail)


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException) -> Response:
    problem = http_problem(exc.code or 500)
    return error_page(problem.status, problem.title, problem.detail)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    log.error("unhandled error on a web page", exc_info=exc)
    problem = http_problem(500)
    return error_page(500, problem.title, problem.detail)


def _wants_html() -> bool:
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match([PROBLEM_MIMETYPE, "application/json",
                                                "text/html"])
    return best == "text/html"


def register_not_found(app: Flask) -> None:
    """An unknown address opened in a browser gets a Vietnamese page; any other client (and
    everything under /api/) keeps the problem+json 404."""

    def _not_found(exc: NotFound) -> Response:
        if _wants_html():
            return error_page(404, "Không tìm thấy trang",
                              "Địa chỉ này không có trong dịch vụ. Hãy quay về trang chủ.")
        return problem_response(http_problem(404))

    app.register_error_handler(NotFound, _not_found)
