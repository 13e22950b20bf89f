"""Liveness and readiness."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, current_app, jsonify

from service import registry
from service.errors import FieldError, Problem

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Templates and fonts of every document type load, and the service database (users,
    keys, jobs) takes a write within a few seconds; else 503 problem+json listing why."""
    problems = _file_problems()
    errors = [FieldError("", "file_missing", f"Không đọc được {name}.") for name in problems]
    from service.auth.store import WAIT_S
    from service.db import database_url, probe

    if not probe(database_url(current_app.config), WAIT_S):  # the engine requests use
        problems.append("database")
        errors.append(FieldError("", "database_unavailable",
                                 "Cơ sở dữ liệu của dịch vụ (người dùng, khóa API, lô) đang "
                                 "bị khóa hoặc không kết nối được."))
    if problems:
        raise Problem(503, "not_ready", "Dịch vụ chưa sẵn sàng",
                      "Một số thành phần chưa sẵn sàng; xem danh sách errors.", errors,
                      headers={"Retry-After": "10"})
    return jsonify(status="ready", document_types=list(registry.document_types()))


def _file_problems() -> list[str]:
    from fontTools.ttLib import TTFont

    problems = []
    templates = Path(current_app.config["TEMPLATES_DIR"])
    fonts = templates / "html" / "assets" / "fonts"
    for name in ("Regular", "Bold", "Italic", "BoldItalic"):
        path = fonts / f"LiberationSerif-{name}.ttf"
        try:
            TTFont(io.BytesIO(path.read_bytes())).getBestCmap()
        except Exception:
            problems.append(f"font {path.name}")
    for doc_type in registry.document_types().values():
        for fmt in doc_type.formats:
            name = doc_type.docx_name if fmt.value == "docx" else doc_type.html_name
            if not (templates / fmt.value.replace("pdf", "html") / name).is_file():
                problems.append(f"template {name}")
    return problems
