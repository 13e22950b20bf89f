"""Liveness and readiness."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, current_app, jsonify

from service import registry

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Templates, fonts and samples of every document type load."""
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
    if problems:
        return jsonify(status="not ready", problems=problems), 503
    return jsonify(status="ready", document_types=list(registry.document_types()))
