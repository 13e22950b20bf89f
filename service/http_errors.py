"""Turn every error into ``application/problem+json``: our Problems, Werkzeug's HTTP errors
(unknown route, wrong method, body too large, …) and anything unexpected (a safe 500 that
never shows a stack trace or a path; the full exception goes to the log)."""

from __future__ import annotations

import contextlib
import json
import logging

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from service.core_errors import CoreError
from service.errors import (
    PROBLEM_MIMETYPE,
    Problem,
    RenderError,
    as_problem,
    disk_full_problem,
    is_storage_full,
)

log = logging.getLogger(__name__)

HTTP_PROBLEMS = {
    400: ("bad_request", "Yêu cầu không hợp lệ", "Máy chủ không hiểu yêu cầu này."),
    401: ("unauthorized", "Chưa đăng nhập", "Cần xác thực để thực hiện yêu cầu này."),
    403: ("forbidden", "Không có quyền", "Bạn không có quyền thực hiện yêu cầu này."),
    404: ("not_found", "Không tìm thấy", "Không có tài nguyên nào ở địa chỉ này."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ",
          "Địa chỉ này không nhận phương thức HTTP đã dùng."),
    406: ("not_acceptable", "Không thể trả về định dạng yêu cầu", ""),
    409: ("conflict", "Xung đột trạng thái", ""),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn",
           "Kích thước yêu cầu vượt giới hạn cho phép."),
    414: ("uri_too_long", "Địa chỉ quá dài", ""),
    415: ("unsupported_media_type", "Kiểu nội dung không được hỗ trợ", ""),
    422: ("validation_failed", "Dữ liệu không hợp lệ", ""),
    429: ("too_many_requests", "Quá nhiều yêu cầu", "Vui lòng thử lại sau."),
    431: ("headers_too_large", "Tiêu đề yêu cầu quá lớn", ""),
    500: ("internal_error", "Lỗi máy chủ",
          "Đã xảy ra lỗi khi xử lý yêu cầu; lỗi đã được ghi lại."),
    503: ("unavailable", "Dịch vụ tạm thời quá tải", "Vui lòng thử lại sau."),
}


def problem_response(problem: Problem) -> Response:
    body = problem.as_dict()
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    with contextlib.suppress(RuntimeError):
        body["instance"] = request.path
    response = Response(json.dumps(body, ensure_ascii=False), status=problem.status,
                        mimetype=PROBLEM_MIMETYPE)
    for key, value in problem.headers.items():
        response.headers[key] = value
    return response


def http_problem(status: int, detail: str | None = None) -> Problem:
    code, title, default = HTTP_PROBLEMS.get(status, HTTP_PROBLEMS[400 if status < 500 else 500])
    return Problem(status, code, title, detail if detail is not None else default)


def _store_down(exc: Exception) -> Response:
    from service.auth.guard import store_unavailable

    log.error("service database unavailable: %s", type(exc).__name__)
    return problem_response(store_unavailable())


def _problem(exc: Problem) -> Response:
    return problem_response(exc)


def _core(exc: CoreError) -> Response:
    return problem_response(as_problem(exc))


def _too_large_detail() -> str:
    config = current_app.config
    limit = config.get("MAX_CONTENT_LENGTH")
    length = request.content_length
    if limit is not None and length is not None and length <= limit:
        # the body is within the limit: a form limit was hit, not the size limit
        return (f"Biểu mẫu vượt giới hạn: tối đa {config.get('MAX_FORM_PARTS')} "
                f"phần, mỗi trường không phải tệp tối đa "
                f"{config.get('MAX_FORM_MEMORY_SIZE')} byte.")
    return f"Kích thước yêu cầu vượt giới hạn {limit} byte."


def _http(exc: HTTPException) -> Response:
    status = exc.code or 500
    detail = _too_large_detail() if isinstance(exc, RequestEntityTooLarge) else None
    problem = http_problem(status, detail)
    if status == 405 and getattr(exc, "valid_methods", None):
        problem.headers["Allow"] = ", ".join(exc.valid_methods)
        problem.detail = "Địa chỉ này chỉ nhận: " + ", ".join(exc.valid_methods) + "."
    return problem_response(problem)


def _render(exc: RenderError) -> Response:
    return problem_response(Problem(500, "render_failed", "Không tạo được văn bản",
                                    "Mẫu văn bản gặp lỗi khi kết xuất; lỗi đã được ghi lại."))


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, RecursionError):
        return problem_response(http_problem(400, "Dữ liệu lồng nhau quá sâu."))
    if is_storage_full(exc):
        log.error("disk full: %s", type(exc).__name__)
        return problem_response(disk_full_problem())
    log.error("unhandled error", exc_info=exc)
    return problem_response(http_problem(500))


def register_error_handlers(app: Flask) -> None:
    from service.auth.guard import STORE_DOWN

    app.register_error_handler(Problem, _problem)
    app.register_error_handler(CoreError, _core)
    app.register_error_handler(HTTPException, _http)
    for exc_class in STORE_DOWN:  # the database locked or unreachable outside the batch API
        app.register_error_handler(exc_class, _store_down)
    app.register_error_handler(RenderError, _render)
    app.register_error_handler(Exception, _unexpected)
