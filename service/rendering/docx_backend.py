"""DOCX templates → DOCX with docxtpl, always through the sandboxed, escaping environment."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from service.kit.jinja_env import docx_environment


class DocxBackend:
    """Render ``doc_templates/docx/<name>`` with a context to DOCX bytes."""

    def __init__(self, templates_dir: Path) -> None:
        self.docx_dir = templates_dir / "docx"
        self._bytes: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def template_bytes(self, name: str) -> bytes:
        with self._lock:
            if name not in self._bytes:
                self._bytes[name] = (self.docx_dir / name).read_bytes()
            return self._bytes[name]

    def render(self, template_name: str, context: Mapping[str, Any], *,
               properties: Mapping[str, str] | None = None) -> bytes:
        from docxtpl import DocxTemplate

        template = DocxTemplate(io.BytesIO(self.template_bytes(template_name)))
        # A fresh environment per render: docxtpl mutates env.autoescape and caches nothing.
        template.render(dict(context), jinja_env=docx_environment(), autoescape=True)
        # set after rendering: docxtpl would double-escape templated props
        props = template.docx.core_properties
        properties = properties or {}
        props.title = properties.get("title", "")
        props.author = props.last_modified_by = properties.get("author", "")
        props.comments = ""
        props.created = props.modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
        props.revision = 1
        out = io.BytesIO()
        template.save(out)
        return out.getvalue()

    def undeclared_variables(self, template_name: str) -> set[str]:
        from docxtpl import DocxTemplate

        template = DocxTemplate(io.BytesIO(self.template_bytes(template_name)))
        return set(template.get_undeclared_template_variables(jinja_env=docx_environment()))
