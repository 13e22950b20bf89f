"""The batches API: bulk runs as jobs.

| method and path                      | what it does                                         |
| ------------------------------------ | ---------------------------------------------------- |
| ``POST /api/v1/batches``             | JSON or multipart (CSV/XLSX) → 202 + ``Location``    |
| ``GET /api/v1/batches``              | the caller's most recent jobs (an admin: everyone's) |
| ``GET /api/v1/batches/<id>``         | status and progress                                  |
| ``GET /api/v1/batches/<id>/result``  | the merged PDF or the ZIP (409 until it exists)      |
| ``POST /api/v1/batches/<id>/cancel`` | stop a queued or running job between chunks          |

Everything is validated before the job exists: an invalid item rejects the whole request
with 422 listing every problem. ``Idempotency-Key`` makes a retried POST return the job the
first one created (the same key with a different body is 422); keys are per owner.

A job belongs to whoever created it (``Principal.owner``: an API key, a user). Only its owner
and admins see it: to anyone else every route answers exactly as for an id that does not
exist (404 ``batch_not_found``). When the items waiting or rendering plus the new batch
would pass ``QUEUE_MAX_ITEMS``, the POST is refused with 503 ``queue_full`` and
``Retry-After``, and nothing is created.
"""

from __future__ import annotations

import json
import logging
from functools import wraps

from flask import Flask, current_app, request, url_for
from flask_smorest import Api, Blueprint
from sqlalchemy.exc import OperationalError

from service.api.batches_input import (
    Envelope,
    check_size,
    idempotency_key,
    json_envelope,
    multipart_envelope,
)
from service.api.batches_names import remember_name, result_stem
from service.api.common import BINARY, is_json_request, problems, request_body, send_attachment
from service.api.schemas import BatchJsonSchema, BatchUploadSchema, JobSchema
from service.auth.guard import current_principal
from service.auth.store import Principal
from service.bulk import Output, prepare
from service.db.jobs import DELIVERED
from service.errors import FieldError, Problem, validation_problem
from service.http_errors import problem_response
from service.jobs.files import JOB_ID
from service.jobs.runner import IdempotencyMismatch, JobService, QueueFull
from service.jobs.store import JobView, NotCancellable, RegisterOverlap

log = logging.getLogger(__name__)

EXTENSION = "thidua_jobs"
JOB = JobSchema()


def init_app(app: Flask, smorest: Api) -> None:
    """Open the job store (migrating it), start the supervisor if jobs are unfinished, and
    register the routes."""
    from service.jobs.metrics import JobsCollector
    from service.metrics import add_collector

    service = app.extensions[EXTENSION] = JobService(app.config)
    add_collector(app, JobsCollector(service))
    smorest.register_blueprint(build_blueprint())


def jobs() -> JobService:
    return current_app.extensions[EXTENSION]


# ---------------------------------------------------------------------------- answers


def job_json(job: JobView) -> dict:
    return JOB.dump(job)


def _job_response(job: JobView, status: int = 200, *, replayed: bool = False):
    response = current_app.response_class(
        json.dumps(job_json(job), ensure_ascii=False), status=status,
        mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    if status == 202:
        response.headers["Location"] = url_for("batches.get_batch", job_id=job.id)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _not_found(job_id: str) -> Problem:
    return Problem(404, "batch_not_found", "Không tìm thấy lô",
                   f"Không có lô nào mang mã “{job_id[:40]}”.")


def _register_taken(register: range, earlier: JobView) -> Problem:
    """409: the owner already has a job printing some of these register numbers."""
    mine = f"{register.start}–{register[-1]}"
    theirs = f"{earlier.register_first}–{earlier.register_last}"
    created = earlier.created_at.astimezone().strftime("%H:%M ngày %d/%m/%Y")
    message = (f"Số sổ {mine} trùng với lô {earlier.id} (số sổ {theirs}, trạng thái "
               f"“{earlier.status}”, gửi lúc {created}). Nếu đây là lần gửi lại, hãy dùng lô "
               f"đó; nếu không, chọn số sổ bắt đầu khác.")
    return Problem(409, "register_range_overlap", "Số sổ đã được dùng", message,
                   [FieldError("/common/register_start", "register_range_overlap", message)],
                   extra={"batch_id": earlier.id,
                          "batch_url": url_for("batches.get_batch", job_id=earlier.id),
                          "register_first": earlier.register_first,
                          "register_last": earlier.register_last})


def _queue_full(full: QueueFull) -> Problem:
    problem = Problem(503, "queue_full", "Hàng đợi đang đầy",
                      f"Đang có {full.depth} mục chờ tạo; thêm lô {full.size} mục sẽ vượt giới "
                      f"hạn {full.limit}. Lô chưa được tạo; vui lòng gửi lại sau khoảng "
                      f"{full.retry_after_s} giây.")
    problem.headers["Retry-After"] = str(full.retry_after_s)
    return problem


def _reused_key(existing: JobView) -> Problem:
    return Problem(422, "idempotency_key_reused", "Idempotency-Key đã dùng cho yêu cầu khác",
                   f"Khóa này đã tạo lô {existing.id} với nội dung khác. Dùng khóa mới cho "
                   f"một lô mới.")


# ---------------------------------------------------------------------------- access


def _principal() -> Principal:
    principal = current_principal()
    if principal is None:  # the guard lets no anonymous request reach these views
        raise Problem(401, "authentication_required", "Cần xác thực",
                      "Cần khóa API hoặc đăng nhập để dùng chức năng này.")
    return principal


def _visible(job: JobView, principal: Principal) -> bool:
    return principal.is_admin or job.owner == principal.owner


def _get_or_404(job_id: str) -> JobView:
    """The job, if the caller may see it; otherwise the very 404 of an unknown id (whether
    someone else's job exists is not disclosed)."""
    job = jobs().store.get(job_id) if JOB_ID.match(job_id) else None
    if job is None or not _visible(job, _principal()):
        raise _not_found(job_id)
    return job


# ---------------------------------------------------------------------------- submitting


def _read_envelope() -> Envelope:
    if (request.mimetype or "") == "multipart/form-data":
        return multipart_envelope()
    if is_json_request():
        return json_envelope()
    raise Problem(415, "unsupported_media_type", "Kiểu nội dung không được hỗ trợ",
                  "Gửi JSON (application/json) hoặc biểu mẫu multipart/form-data có "
                  "tệp CSV/XLSX.")


def _replay(service: JobService, owner: str, key: str | None,
            envelope: Envelope) -> JobView | None:
    try:  # a retry is answered before any validation work (and before back-pressure)
        return service.find_replay(owner, key, envelope.fingerprint)
    except IdempotencyMismatch as mismatch:
        raise _reused_key(mismatch.existing) from None


def _submit(service: JobService, envelope: Envelope, owner: str, key: str | None):
    doc_type, output, common, items, rows = envelope.resolve()
    check_size(len(items))
    try:  # before the costly validation of every item
        service.check_capacity(len(items))
    except QueueFull as full:
        raise _queue_full(full) from None
    numbering = doc_type.batch.register_range if doc_type.batch else None
    register = numbering(common, items) if numbering is not None else None
    prepared = prepare(doc_type, common, items, rows=rows,
                       max_items=int(current_app.config["MAX_BATCH_ITEMS"]))
    try:
        submission = service.submit(doc_type, output, prepared, owner=owner,
                                    idempotency_key=key, fingerprint=envelope.fingerprint,
                                    register=register)
        if not submission.replayed:
            remember_name(service.files, submission.job.id, doc_type, prepared)
        return submission
    except RegisterOverlap as overlap:
        raise _register_taken(register, overlap.existing) from None
    except IdempotencyMismatch as mismatch:
        raise _reused_key(mismatch.existing) from None
    except QueueFull as full:  # filled by a concurrent batch while this one validated
        raise _queue_full(full) from None


def create_batch():
    """Validate every item and queue the job; 202 with ``Location``."""
    key = idempotency_key()
    service = jobs()
    envelope = _read_envelope()
    owner = _principal().owner
    replay = _replay(service, owner, key, envelope)
    if replay is not None:
        return _job_response(replay, 202, replayed=True)
    submission = _submit(service, envelope, owner, key)
    return _job_response(submission.job, 202, replayed=submission.replayed)


# ---------------------------------------------------------------------------- following


def list_batches():
    """The caller's most recent jobs, newest first; an admin sees everyone's."""
    raw = request.args.get("limit", "20")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100:
        raise validation_problem([FieldError("/limit", "out_of_range",
                                             "limit phải là số từ 1 đến 100.")])
    principal = _principal()
    owner = None if principal.is_admin else principal.owner
    return jobs().store.list_jobs(owner=owner, limit=int(raw))  # dumped by JobSchema


def get_batch(job_id: str):
    """``status`` is queued, running, succeeded, failed or cancelled; ``done`` counts
    the items of finished chunks."""
    return _job_response(_get_or_404(job_id))


def _result_name(job: JobView, output: Output) -> str:
    return f"{result_stem(jobs().files, job)}.{output.extension}"


def result(job_id: str):
    """The result file, streamed; 409 until the job has succeeded."""
    job = _get_or_404(job_id)
    if job.status not in DELIVERED:
        raise Problem(409, "batch_not_ready", "Lô chưa có kết quả",
                      f"Lô đang ở trạng thái “{job.status}”; kết quả chỉ có khi lô đã "
                      f"hoàn thành (succeeded hoặc done_with_errors).")
    path = jobs().files.result_path(job.id, job.output)
    if job.files_removed_at is not None or not path.is_file():
        raise Problem(410, "batch_result_expired", "Kết quả không còn",
                      "Tệp kết quả đã được xóa sau thời hạn lưu; hãy gửi lại lô.")
    output = Output(job.output)
    return send_attachment(path, output.mimetype, _result_name(job, output),
                           cache_control="private, no-store", conditional=True, max_age=0)


def cancel(job_id: str):
    """Chunks already running finish; no further chunk starts."""
    _get_or_404(job_id)
    try:
        job = jobs().cancel(job_id)
    except NotCancellable as exc:
        raise Problem(409, "batch_finished", "Lô đã kết thúc",
                      f"Lô đã ở trạng thái “{exc.job.status}”, không dừng được nữa.") from None
    if job is None:
        raise _not_found(job_id)
    return _job_response(job)


# ---------------------------------------------------------------------------- routes


def _database_down(exc: OperationalError):
    log.error("job database unavailable: %s", type(exc.orig).__name__ if exc.orig else exc)
    problem = Problem(503, "jobs_unavailable", "Dịch vụ lô tạm thời không sẵn sàng",
                      "Không kết nối được cơ sở dữ liệu công việc; vui lòng thử lại sau.")
    problem.headers["Retry-After"] = "10"
    return problem_response(problem)


IDEMPOTENCY_HEADER = {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                      "required": False, "description": "Gửi lại cùng khóa và cùng nội dung: "
                                                        "nhận lại đúng lô đã tạo."}
LIMIT_PARAMETER = {"in": "query", "name": "limit",
                   "schema": {"type": "integer", "minimum": 1, "maximum": 100}}


def _add_submit_routes(blp: Blueprint) -> None:
    @blp.route("/batches", methods=["POST"], endpoint="create_batch")
    @blp.doc(summary="Gửi một lô", parameters=[IDEMPOTENCY_HEADER], **request_body({
        "application/json": BatchJsonSchema, "multipart/form-data": BatchUploadSchema}))
    @blp.response(202, JobSchema, description="Lô")
    @problems(blp, (409, "application/problem+json: register_range_overlap (with batch_id and "
                         "batch_url of the earlier job)"), 413, 415, 422,
              (503, "application/problem+json: queue_full (with Retry-After) or "
                    "jobs_unavailable"))
    @wraps(create_batch)
    def _create():
        return create_batch()

    @blp.route("/batches", methods=["GET"], endpoint="list_batches")
    @blp.doc(summary="Các lô gần đây của người gọi (quản trị viên: mọi lô)",
             parameters=[LIMIT_PARAMETER])
    @blp.response(200, JobSchema(many=True), description="Các lô")
    @problems(blp, 422)
    @wraps(list_batches)
    def _list():
        return list_batches()


def _add_job_routes(blp: Blueprint) -> None:
    @blp.route("/batches/<job_id>", methods=["GET"], endpoint="get_batch")
    @blp.doc(summary="Trạng thái và tiến độ của một lô")
    @blp.response(200, JobSchema, description="Lô")
    @problems(blp, 404)
    @wraps(get_batch)
    def _get(job_id: str):
        return get_batch(job_id)

    @blp.route("/batches/<job_id>/result", methods=["GET"], endpoint="result")
    @blp.doc(summary="Tải kết quả của lô (PDF gộp hoặc ZIP)")
    @blp.response(200, BINARY, content_type="application/pdf", description="PDF hoặc ZIP")
    @blp.alt_response(200, schema=BINARY, content_type="application/zip",
                      description="PDF hoặc ZIP", success=True)
    @problems(blp, 404, 409, 410)
    @wraps(result)
    def _result(job_id: str):
        return result(job_id)

    @blp.route("/batches/<job_id>/cancel", methods=["POST"], endpoint="cancel")
    @blp.doc(summary="Dừng một lô đang chờ hoặc đang chạy")
    @blp.response(200, JobSchema, description="Lô")
    @problems(blp, 404, 409)
    @wraps(cancel)
    def _cancel(job_id: str):
        return cancel(job_id)


def build_blueprint() -> Blueprint:
    blp = Blueprint("batches", __name__, url_prefix="/api/v1",
                    description="Lô văn bản: tạo hàng loạt dưới dạng công việc chạy nền")
    blp.errorhandler(OperationalError)(_database_down)
    _add_submit_routes(blp)
    _add_job_routes(blp)
    return blp
