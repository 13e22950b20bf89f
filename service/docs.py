"""Interactive API documentation served from bundled files (no CDN)."""

from __future__ import annotations

from flask import Blueprint, Response, url_for

bp = Blueprint("docs", __name__)

PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Tài liệu API</title>
<link rel="stylesheet" href="{css}"></head>
<body><div id="swagger-ui"></div>
<script src="{js}"></script>
<script src="{init}"></script>
</body></html>"""


@bp.get("/api/docs")
def api_docs() -> Response:
    """Swagger UI over /api/openapi.json, from files shipped with the service."""
    html = PAGE.format(css=url_for("static", filename="vendor/swagger-ui/swagger-ui.css"),
                       js=url_for("static", filename="vendor/swagger-ui/swagger-ui-bundle.js"),
                       init=url_for("static", filename="swagger-init.js"))
    return Response(html, mimetype="text/html")
