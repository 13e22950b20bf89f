"""The register's tests share: a store on SQLite or PostgreSQL, payloads to issue, checks
that what is stored is what was recorded."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date
from pathlib import Path

from tests.conftest import ROOT, load_sample


def register_settings(data_dir: Path, database_url: str = "", **extra) -> dict:
    return {"DATA_DIR": str(data_dir), "TEMPLATES_DIR": str(ROOT / "doc_templates"),
            "DATABASE_URL": database_url, "REGISTER_SEQUENCE": "shared", **extra}


def draft(type_id: str = "directive", day: date | str | None = "2026-03-02", **changes) -> dict:
    """A sample payload as a draft: no number, the given date (None: dated when issued)."""
    payload = load_sample(type_id)
    payload["number"] = None
    payload["date"] = day.isoformat() if isinstance(day, date) else day
    payload["year"] = None
    payload.update(changes)
    return payload


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def docx_text(content: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(texts)


def stored_files_match(store) -> None:
    """Every row's files exist and hash to what the row says."""
    for doc, _payload in store.entries(_all()):
        for fmt, name in doc.files.items():
            if name is None:
                continue
            assert sha256(store.files.read(name)) == doc.sha256[fmt], (doc.id, fmt)


def _all():
    from service.register import Filters

    return Filters(oldest_first=True)


def numbers_by_sequence(store) -> dict[tuple[str, int], list[int]]:
    found: dict[tuple[str, int], list[int]] = {}
    for doc, _payload in store.entries(_all()):
        found.setdefault((doc.scope, doc.year), []).append(doc.number)
    return found


def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
