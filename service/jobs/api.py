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

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from flask import Flask, current_app, request, send_file, url_for
from flask_smorest import Api, Blueprint
from sqlalchemy.exc import OperationalError

from service import registry
from service.auth.guard import current_principal
from service.auth.store import Principal
from service.bulk import OUTPUTS
from service.db.jobs import DELIVERED
from service.errors import FieldError, Problem, validation_problem
from service.http_errors import problem_response
from service.jobs.files import JOB_ID, extension, mimetype
from service.jobs.runner import IdempotencyMismatch, JobService, QueueFull, request_fingerprint
from service.jobs.store import JobView, NotCancellable, RegisterOverlap
from service.jsonbody import parse_json
from service.registry import Format, safe_file_stem

log = logging.getLogger(__name__)

EXTENSION = "thidua_jobs"
ENVELOPE = ("document_type", "output", "common", "items")
MULTIPART_FIELDS = ("document_type", "output", "common")
OUTPUT_FORMAT = {"pdf": Format.PDF, "zip-pdf": Format.PDF, "zip-docx": Format.DOCX}


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


# ---------------------------------------------------------------------------- helpers


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def job_json(job: JobView) -> dict[str, Any]:
    ready = job.status in DELIVERED and job.files_removed_at is None
    return {
        "id": job.id,
        "document_type": job.document_type,
        "output": job.output,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "errors": list(job.errors),
        "result_url": url_for("batches.result", job_id=job.id) if ready else None,
        "register_first": job.register_first,
        "register_last": job.register_last,
        "failed_items": list(job.failed_items),
    }


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


def _queue_full(full: QueueFull) -> Problem:
    problem = Problem(503, "queue_full", "Hàng đợi đang đầy",
                      f"Đang có {full.depth} mục chờ tạo; thêm lô {full.size} mục sẽ vượt giới "
                      f"hạn {full.limit}. Lô chưa được tạo; vui lòng gửi lại sau khoảng "
                      f"{full.retry_after_s} giây.")
    problem.headers["Retry-After"] = str(full.retry_after_s)
    return problem


def _idempotency_key() -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # RFC 8941 sf-string form
        key = key[1:-1]
    if not 1 <= len(key) <= 255 or not all(0x21 <= ord(c) <= 0x7E for c in key):
        raise Problem(400, "idempotency_key_invalid", "Idempotency-Key không hợp lệ",
                      "Idempotency-Key phải có 1–255 ký tự ASCII in được, không có dấu cách.")
    return key


def _reused_key(existing: JobView) -> Problem:
    return Problem(422, "idempotency_key_reused", "Idempotency-Key đã dùng cho yêu cầu khác",
                   f"Khóa này đã tạo lô {existing.id} với nội dung khác. Dùng khóa mới cho "
                   f"một lô mới.")


def _read_json_envelope() -> tuple[dict[str, Any], str]:
    from service.api import read_body_limited

    limit = int(current_app.config["MAX_REQUEST_BYTES"])
    raw = read_body_limited(limit, f"Một lô gửi dạng JSON tối đa {limit} byte.")
    if not raw.strip():
        raise Problem(400, "json_empty", "Thiếu nội dung", "Yêu cầu không có nội dung JSON.")
    body = parse_json(raw, max_depth=int(current_app.config["MAX_JSON_DEPTH"]))
    if not isinstance(body, dict):
        raise validation_problem([FieldError("", "invalid_type",
                                             "Nội dung phải là một đối tượng JSON.")])
    return body, hashlib.sha256(raw).hexdigest()


def _check_envelope(body: dict[str, Any], *, items_field: str = "items"):
    """The envelope's own fields; every problem at once. Returns (doc_type, output)."""
    errors: list[FieldError] = []
    allowed = ENVELOPE if items_field == "items" else (*MULTIPART_FIELDS, "file")
    for key in body:
        if key not in allowed:
            errors.append(
                FieldError(f"/{_name(key)}", "unknown_field", "Trường không được hỗ trợ."))
    doc_type = None
    type_id = body.get("document_type")
    if type_id is None:
        errors.append(FieldError("/document_type", "required", "Trường này là bắt buộc."))
    elif not isinstance(type_id, str) or registry.get(type_id) is None:
        known = ", ".join(registry.document_types())
        errors.append(FieldError("/document_type", "unknown_document_type",
                                 f"Không có loại văn bản này (có: {known})."))
    else:
        doc_type = registry.get(type_id)
    output = body.get("output")
    if output is None:
        errors.append(FieldError("/output", "required", "Trường này là bắt buộc."))
    elif output not in OUTPUTS:
        errors.append(FieldError("/output", "invalid_choice",
                                 "output phải là pdf, zip-pdf hoặc zip-docx."))
    elif doc_type is not None and OUTPUT_FORMAT[output] not in doc_type.formats:
        errors.append(FieldError("/output", "format_not_available",
                                 f"{doc_type.title} không xuất ra "
                                 f"{OUTPUT_FORMAT[output].value.upper()}."))
    if "common" in body and not isinstance(body["common"], dict):
        errors.append(FieldError("/common", "invalid_type",
                                 "“common” phải là một đối tượng JSON."))
    if items_field == "items":
        if "items" not in body:
            errors.append(FieldError("/items", "required", "Trường này là bắt buộc."))
        elif not isinstance(body["items"], list):
            errors.append(FieldError("/items", "invalid_type", "“items” phải là một danh sách."))
    if errors:
        raise validation_problem(errors)
    return doc_type, output


def _check_size(count: int) -> None:
    limit = int(current_app.config["MAX_BATCH_ITEMS"])
    if count > limit:
        raise Problem(413, "batch_too_large", "Danh sách quá dài",
                      f"Tối đa {limit} mục mỗi lô (đã gửi {count}).")


class _Envelope:
    """A submission as read from the request, before its items are validated."""

    def __init__(self, body: dict[str, Any], fingerprint: str, *, upload: bytes | None = None,
                 filename: str = "", errors: list[FieldError] | None = None) -> None:
        self.body, self.fingerprint = body, fingerprint
        self.multipart = upload is not None
        self.upload, self.filename = upload or b"", filename
        self.errors = errors or []

    def resolve(self):
        """Check the envelope and read the items: (doc_type, output, common, items, rows)."""
        multipart = self.multipart
        try:
            doc_type, output = _check_envelope(self.body,
                                               items_field="file" if multipart else "items")
        except Problem as problem:
            raise validation_problem(self.errors + problem.errors) from None
        if self.errors:
            raise validation_problem(self.errors)
        common = self.body.get("common", {})
        if not multipart:
            return doc_type, output, common, self.body["items"], None
        items, rows = read_table(doc_type, self.upload, self.filename)
        return doc_type, output, common, items, rows


def _json_envelope() -> _Envelope:
    body, _ = _read_json_envelope()
    return _Envelope(body, request_fingerprint(body))


def _name(key) -> str:
    """A form field's name as echoed in an error: never None, never longer than 40."""
    text = "" if key is None else str(key)
    return text[:40] + ("…" if len(text) > 40 else "")


def _multipart_envelope() -> _Envelope:
    """document_type, output, common (JSON text) and file (CSV or XLSX)."""
    form = request.form  # Werkzeug enforces MAX_CONTENT_LENGTH / form memory / parts → 413
    files = request.files
    body: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key in form:
        values = form.getlist(key)
        if len(values) > 1:
            errors.append(FieldError(f"/{_name(key)}", "duplicate_field",
                                     "Trường gửi nhiều lần."))
        body[key] = values[0]
    for key in files:
        if key != "file":
            errors.append(FieldError(f"/{_name(key)}", "unknown_field",
                                     "Trường không được hỗ trợ."))
        elif len(files.getlist(key)) > 1:
            errors.append(FieldError("/file", "duplicate_field", "Chỉ gửi một tệp mỗi lô."))
    if "common" in body:
        try:
            body["common"] = parse_json(body["common"].encode("utf-8"),
                                        max_depth=int(current_app.config["MAX_JSON_DEPTH"]))
        except Problem as problem:
            errors.append(FieldError("/common", problem.code,
                                     f"“common” không phải JSON hợp lệ: {problem.detail}"))
            body.pop("common")
    upload = files.get("file")
    data = b""
    if upload is None or not upload.filename:
        errors.append(FieldError("/file", "required",
                                 "Cần tệp danh sách (CSV hoặc XLSX) trong trường “file”."))
    else:
        data = upload.read()
        if not data:
            errors.append(FieldError("/file", "file_empty", "Tệp tải lên rỗng."))
    fingerprint = request_fingerprint({"document_type": body.get("document_type"),
                                       "output": body.get("output"),
                                       "common": body.get("common"),
                                       "file": hashlib.sha256(data).hexdigest()})
    return _Envelope(body, fingerprint, upload=data,
                     filename=upload.filename if upload is not None else "", errors=errors)


def read_table(doc_type, data: bytes, filename: str) -> tuple[list[dict], list[int]]:
    """The items and their spreadsheet row numbers from an uploaded CSV or XLSX."""
    from service import tabular
    from service.uploads import check_ooxml, sniff

    if filename.lower().endswith(".xlsx") or sniff(data) in ("zip", "ole2"):
        check_ooxml(data, kind="xlsx")  # zip bombs, OLE2, DOCTYPE: before any parser
    table = tabular.read_table(data, filename, doc_type.schema,
                               max_rows=int(current_app.config["MAX_BATCH_ITEMS"]),
                               budget_s=float(current_app.config["UPLOAD_READ_TIMEOUT_S"]))
    return table.items, table.rows


# ---------------------------------------------------------------------------- routes


def build_blueprint() -> Blueprint:
    blp = Blueprint("batches", __name__, url_prefix="/api/v1",
                    description="Lô văn bản: tạo hàng loạt dưới dạng công việc chạy nền")

    @blp.errorhandler(OperationalError)
    def _database_down(exc: OperationalError):
        log.error("job database unavailable: %s", type(exc.orig).__name__ if exc.orig else exc)
        problem = Problem(503, "jobs_unavailable", "Dịch vụ lô tạm thời không sẵn sàng",
                          "Không kết nối được cơ sở dữ liệu công việc; vui lòng thử lại sau.")
        problem.headers["Retry-After"] = "10"
        return problem_response(problem)

    job_schema = {"type": "object", "properties": {
        "id": {"type": "string"}, "document_type": {"type": "string"},
        "output": {"type": "string", "enum": list(OUTPUTS)},
        "status": {"type": "string",
                   "enum": ["queued", "running", "succeeded", "done_with_errors", "failed",
                            "cancelled"]},
        "total": {"type": "integer"}, "done": {"type": "integer"},
        "failed": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "errors": {"type": "array", "items": {"type": "object"}},
        "result_url": {"type": ["string", "null"]},
        "register_first": {"type": ["integer", "null"]},
        "register_last": {"type": ["integer", "null"]},
        "failed_items": {"type": "array", "items": {"type": "object", "properties": {
            "item": {"type": "integer"}, "row": {"type": ["integer", "null"]},
            "code": {"type": "string"}, "reason": {"type": "string"},
            "message": {"type": "string"}}}}}}
    job_response = {"description": "Lô", "content": {"application/json": {"schema": job_schema}}}
    problem = {"description": "application/problem+json"}

    @blp.route("/batches", methods=["POST"])
    @blp.doc(summary="Gửi một lô", parameters=[
        {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
         "required": False,
         "description": "Gửi lại cùng khóa và cùng nội dung: nhận lại đúng lô đã tạo."}],
        requestBody={"required": True, "content": {
            "application/json": {"schema": {"type": "object", "required": [
                "document_type", "output", "items"], "properties": {
                "document_type": {"type": "string"},
                "output": {"type": "string", "enum": list(OUTPUTS)},
                "common": {"type": "object"},
                "items": {"type": "array", "items": {"type": "object"}}}}},
            "multipart/form-data": {"schema": {"type": "object", "required": [
                "document_type", "output", "file"], "properties": {
                "document_type": {"type": "string"},
                "output": {"type": "string", "enum": list(OUTPUTS)},
                "common": {"type": "string", "description": "JSON"},
                "file": {"type": "string", "format": "binary"}}}}}},
        responses={"202": job_response, "409": {
            "description": "application/problem+json: register_range_overlap (with batch_id "
                           "and batch_url of the earlier job)"},
            "413": problem, "415": problem, "422": problem,
                   "503": {"description": "application/problem+json: queue_full (with "
                                          "Retry-After) or jobs_unavailable"}})
    def create_batch():
        """Validate every item and queue the job; 202 with ``Location``."""
        key = _idempotency_key()
        service = jobs()
        kind = request.mimetype or ""
        if kind == "multipart/form-data":
            envelope = _multipart_envelope()
        elif kind == "application/json" or kind.endswith("+json"):
            envelope = _json_envelope()
        else:
            raise Problem(415, "unsupported_media_type", "Kiểu nội dung không được hỗ trợ",
                          "Gửi JSON (application/json) hoặc biểu mẫu multipart/form-data có "
                          "tệp CSV/XLSX.")
        owner = _principal().owner
        try:  # a retry is answered before any validation work (and before back-pressure)
            replay = service.find_replay(owner, key, envelope.fingerprint)
        except IdempotencyMismatch as mismatch:
            raise _reused_key(mismatch.existing) from None
        if replay is not None:
            return _job_response(replay, 202, replayed=True)
        doc_type, output, common, items, rows = envelope.resolve()
        _check_size(len(items))
        try:  # before the costly validation of every item
            service.check_capacity(len(items))
        except QueueFull as full:
            raise _queue_full(full) from None
        from service.bulk import prepare

        numbering = doc_type.batch.register_range if doc_type.batch else None
        register = numbering(common, items) if numbering is not None else None
        prepared = prepare(doc_type, common, items, rows=rows,
                           max_items=int(current_app.config["MAX_BATCH_ITEMS"]))
        try:
            submission = service.submit(doc_type, output, prepared, owner=owner,
                                        idempotency_key=key, fingerprint=envelope.fingerprint,
                                        register=register)
        except RegisterOverlap as overlap:
            raise _register_taken(register, overlap.existing) from None
        except IdempotencyMismatch as mismatch:
            raise _reused_key(mismatch.existing) from None
        except QueueFull as full:  # filled by a concurrent batch while this one validated
            raise _queue_full(full) from None
        return _job_response(submission.job, 202, replayed=submission.replayed)

    @blp.route("/batches", methods=["GET"])
    @blp.doc(summary="Các lô gần đây của người gọi (quản trị viên: mọi lô)", parameters=[
        {"in": "query", "name": "limit", "schema": {"type": "integer", "minimum": 1,
                                                    "maximum": 100}}])
    def list_batches():
        """The caller's most recent jobs, newest first; an admin sees everyone's."""
        raw = request.args.get("limit", "20")
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100:
            raise validation_problem([FieldError("/limit", "out_of_range",
                                                 "limit phải là số từ 1 đến 100.")])
        principal = _principal()
        owner = None if principal.is_admin else principal.owner
        return [job_json(j) for j in jobs().store.list_jobs(owner=owner, limit=int(raw))]

    @blp.route("/batches/<job_id>", methods=["GET"], endpoint="get_batch")
    @blp.doc(summary="Trạng thái và tiến độ của một lô",
             responses={"200": job_response, "404": problem})
    def get_batch(job_id: str):
        """``status`` is queued, running, succeeded, failed or cancelled; ``done`` counts
        the items of finished chunks."""
        return _job_response(_get_or_404(job_id))

    @blp.route("/batches/<job_id>/result", methods=["GET"], endpoint="result")
    @blp.doc(summary="Tải kết quả của lô (PDF gộp hoặc ZIP)",
             responses={"200": {"description": "PDF hoặc ZIP", "content": {
                 "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                 "application/zip": {"schema": {"type": "string", "format": "binary"}}}},
                 "404": problem, "409": problem, "410": problem})
    def result(job_id: str):
        """The result file, streamed; 409 until the job has succeeded."""
        from service.api import content_disposition

        job = _get_or_404(job_id)
        if job.status not in DELIVERED:
            raise Problem(409, "batch_not_ready", "Lô chưa có kết quả",
                          f"Lô đang ở trạng thái “{job.status}”; kết quả chỉ có khi lô đã "
                          f"hoàn thành (succeeded hoặc done_with_errors).")
        path = jobs().files.result_path(job.id, job.output)
        if job.files_removed_at is not None or not path.is_file():
            raise Problem(410, "batch_result_expired", "Kết quả không còn",
                          "Tệp kết quả đã được xóa sau thời hạn lưu; hãy gửi lại lô.")
        doc_type = registry.get(job.document_type)
        title = doc_type.title if doc_type is not None else job.document_type
        name = f"{safe_file_stem(f'{title} - lô {job.id[:8]}')}.{extension(job.output)}"
        response = send_file(path, mimetype=mimetype(job.output), as_attachment=True,
                             download_name=name, conditional=True, max_age=0)
        response.headers["Content-Disposition"] = content_disposition(name)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @blp.route("/batches/<job_id>/cancel", methods=["POST"], endpoint="cancel")
    @blp.doc(summary="Dừng một lô đang chờ hoặc đang chạy",
             responses={"200": job_response, "404": problem, "409": problem})
    def cancel(job_id: str):
        """Chunks already running finish; no further chunk starts."""
        _get_or_404(job_id)
        try:
            job = jobs().cancel(job_id)
        except NotCancellable as exc:
            raise Problem(409, "batch_finished", "Lô đã kết thúc",
                          f"Lô đã ở trạng thái “{exc.job.status}”, không dừng được nữa.") \
                from None
        if job is None:
            raise _not_found(job_id)
        return _job_response(job)

    return blp
