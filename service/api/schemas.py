"""The API's own bodies as marshmallow schemas: the batch job resource (serialised by
:class:`JobSchema`), the batch envelope and the problem+json error. The OpenAPI document
describes them from here; the request bodies are still read by the strict readers of
:mod:`service.api.common` and :mod:`service.api.batches_input`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from marshmallow import Schema, fields, validate

from service.bulk import OUTPUTS
from service.db.jobs import DELIVERED

STATUSES = ("queued", "running", "succeeded", "done_with_errors", "failed", "cancelled")


def iso_stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


class Stamp(fields.DateTime):
    """An ISO 8601 moment in UTC, to the millisecond, with ``Z``."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return iso_stamp(value)


class AsIs(fields.Nested):
    """Documented by a nested schema, dumped exactly as stored (keys and order kept)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return value


class FailedItemSchema(Schema):
    item = fields.Integer()
    row = fields.Integer(allow_none=True)
    code = fields.String()
    reason = fields.String()
    message = fields.String()


class JobSchema(Schema):
    """A batch job: status, progress, and where its result is once it exists."""

    id = fields.String()
    document_type = fields.String()
    output = fields.String(validate=validate.OneOf(OUTPUTS))
    status = fields.String(validate=validate.OneOf(STATUSES))
    total = fields.Integer()
    done = fields.Integer()
    failed = fields.Integer()
    created_at = Stamp()
    started_at = Stamp(allow_none=True)
    finished_at = Stamp(allow_none=True)
    errors = fields.List(fields.Raw(metadata={"type": "object"}))
    result_url = fields.Method("_result_url", allow_none=True, metadata={"type": "string"})
    register_first = fields.Integer(allow_none=True)
    register_last = fields.Integer(allow_none=True)
    failed_items = fields.List(AsIs(FailedItemSchema))

    def _result_url(self, job: Any) -> str | None:
        ready = job.status in DELIVERED and job.files_removed_at is None
        return url_for("batches.result", job_id=job.id) if ready else None


class BatchJsonSchema(Schema):
    """A batch sent as JSON: the items, each merged over ``common``."""

    document_type = fields.String(required=True)
    output = fields.String(required=True, validate=validate.OneOf(OUTPUTS))
    common = fields.Dict()
    items = fields.List(fields.Dict(), required=True)


class BatchUploadSchema(Schema):
    """A batch sent as a form: the items are the rows of a CSV or XLSX file."""

    document_type = fields.String(required=True)
    output = fields.String(required=True, validate=validate.OneOf(OUTPUTS))
    common = fields.String(metadata={"description": "JSON"})
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class FieldErrorSchema(Schema):
    pointer = fields.String()
    code = fields.String()
    message = fields.String()
    row = fields.Integer()
    column = fields.String()


class ProblemSchema(Schema):
    """RFC 9457 ``application/problem+json``: every error the service returns."""

    type = fields.String()
    status = fields.Integer()
    code = fields.String()
    title = fields.String()
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))
    instance = fields.String()
    request_id = fields.String()
