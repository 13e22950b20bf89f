"""The register store: issue a document (number, files, row in one transaction), read,
search and void.

Issuing takes the next number of the document's sequence, fills it (and the date, when the
payload has none: today in Việt Nam) into the payload, renders every format of the type
through the render core, stores the files and inserts the row, all inside ONE database
transaction: SQLite's ``BEGIN IMMEDIATE`` write lock, PostgreSQL's row lock on the sequence
(``UPDATE … RETURNING``). Until it commits no other issuer of the sequence can go on, and a
transaction that does not commit (an error, a SIGKILL) gives its number back: numbers are
consecutive, never reused, never duplicated. Files written by a transaction that did not
commit have no row: :meth:`RegisterStore.orphans` finds them.

The documents are rendered before the transaction with the number the sequence will most
likely give (its last committed number + 1), so the lock is held for writing two files and a
row; when another issuer took that number meanwhile, the transaction renders again with the
number it holds. Either way what is stored carries the number recorded.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import db, rendering
from service.core_errors import FieldError, InvalidPayload
from service.db.base import utcnow
from service.db.register import IssuedDocument, RegisterSequence
from service.register.errors import (
    AlreadyVoided,
    IdempotencyMismatch,
    IssuedNotFound,
    NotIssuable,
    StoredFileMissing,
)
from service.register.files import IssuedFiles
from service.register.numbering import (
    SHARED,
    next_number,
    number_text,
    office_today,
    sequence_scope,
)
from service.register.query import search_statement
from service.register.verification import new_code
from service.register.views import Filters, IssuedView, Page, issued_view
from service.registry import DocumentType, Format, Prepared
from service.rendering.pdf_backend import PDFA, pdf_variant
from service.signing.issue import FinishPdf, agency_signer
from service.vn.fold import fold_key

MAX_REASON = 500


def request_hash(doc_type_id: str, payload: Any) -> str:
    """What tells a retry (same type, same payload) from another request."""
    text = json.dumps({"document_type": doc_type_id, "payload": payload}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_issuable(doc_type: DocumentType) -> bool:
    """A type with its own number and issuer (Chỉ thị, Kế hoạch, Quyết định)."""
    fields = doc_type.schema().fields
    return "number" in fields and "issuer" in fields


def _json_ready(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


class RegisterStore:
    """The register of issued documents on the service's database and ``DATA_DIR``.

    :param settings: ``DATABASE_URL``, ``DATA_DIR``, ``TEMPLATES_DIR`` and
        ``REGISTER_SEQUENCE`` (``shared`` or ``per_type``) as in :mod:`service.config`.
    :param today: the office's today (tests); Việt Nam's by default.
    """

    def __init__(self, settings: Mapping[str, Any], *, migrate: bool = True,
                 today: Callable[[], date] = office_today, wait_s: float = db.WAIT_S,
                 finish_pdf: FinishPdf | None = None) -> None:
        self.url = db.database_url(settings)
        self.engine = db.get_engine(self.url, wait_s)
        self._writer = db.writer(self.engine)
        self.files = IssuedFiles(settings["DATA_DIR"])
        self.templates_dir = Path(settings["TEMPLATES_DIR"])
        self.sequence = settings.get("REGISTER_SEQUENCE", SHARED)
        self.today = today
        self.pdfa = bool(settings.get("PDFA_ISSUED", False))  # PDF/A-2b unless asked otherwise
        # the agency's signature on every issued PDF when a key is configured (service/signing)
        self.finish_pdf = finish_pdf if finish_pdf is not None else agency_signer(settings)
        if migrate:
            db.upgrade(self.engine)

    # -- issuing ----------------------------------------------------------------------------

    def issue(self, doc_type: DocumentType, payload: Any, principal_owner: str,
              idempotency_key: str | None = None,
              fingerprint: str | None = None, sign: bool = True,
              pdfa: bool | None = None) -> IssuedView:
        """Give ``payload`` the next number of its sequence, render and store its files and
        record it. A retry with the same ``idempotency_key`` and body returns the document
        the first call issued (``replayed``). With a signing key configured the PDF is
        signed by the agency before it is stored, unless ``sign`` is False. ``pdfa`` (None:
        the ``PDFA_ISSUED`` setting) writes the PDF as PDF/A-2b, signed after conversion.

        :raises NotIssuable: the type has no number of its own.
        :raises InvalidPayload: the payload does not validate, or carries a ``number``.
        :raises IdempotencyMismatch: the key issued a document from another body.
        """
        fingerprint = fingerprint or request_hash(doc_type.id, payload)
        replay = self._replay(principal_owner, idempotency_key, fingerprint)
        if replay is not None:
            return replay
        draft = self._draft(doc_type, payload)
        prepared = rendering.validate(doc_type, draft)
        scope = sequence_scope(self.sequence, doc_type.id, prepared)
        guess = self._last_number(scope, prepared["date"].year) + 1
        # Rendered before the lock with the number it will most likely take, so the lock is
        # held for a file write and an insert, not for a render (other writers of the
        # database wait meanwhile); another issuer in between means a render in the lock.
        variant = PDFA if (self.pdfa if pdfa is None else pdfa) else None
        with pdf_variant(variant):
            rendered = self._render(doc_type, draft, guess)
        issued_id = secrets.token_hex(16)
        written: list[str] = []
        try:
            with Session(self._writer) as session, session.begin():
                number = next_number(session.connection(), scope, prepared["date"].year)
                if number != guess:
                    with pdf_variant(variant):
                        rendered = self._render(doc_type, draft, number)
                row = self._row(doc_type, prepared, dict(draft, number=number), issued_id,
                                scope)
                self._store_files(row, rendered, written, sign)
                row.issued_by, row.request_hash = principal_owner, fingerprint
                row.idempotency_scope, row.idempotency_key = principal_owner, idempotency_key
                session.add(row)
        except IntegrityError:
            self.files.discard(written)
            replay = self._replay(principal_owner, idempotency_key, fingerprint)
            if replay is None:
                raise
            return replay
        except BaseException:
            self.files.discard(written)
            raise
        return self.get(issued_id)  # type: ignore[return-value]

    def _draft(self, doc_type: DocumentType, payload: Any) -> dict[str, Any]:
        if not is_issuable(doc_type):
            raise NotIssuable(doc_type.id)
        if not isinstance(payload, Mapping):
            raise InvalidPayload([], "Nội dung gửi lên phải là một đối tượng JSON.")
        if payload.get("number") is not None:
            raise InvalidPayload([FieldError(
                "/number", "number_assigned_on_issue",
                "Số văn bản do sổ đăng ký cấp khi ban hành: hãy để trống (null) trường "
                "number.")])
        draft = dict(payload)
        draft["number"] = None
        if draft.get("date") is None:
            draft["date"] = self.today().isoformat()
        return draft

    def _last_number(self, scope: str, year: int) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(RegisterSequence.last_number).where(
                RegisterSequence.scope == scope, RegisterSequence.year == year)) or 0)

    def _render(self, doc_type: DocumentType, draft: Mapping[str, Any],
                number: int) -> dict[Format, bytes]:
        numbered = dict(draft, number=number)
        return {fmt: rendering.render(doc_type, numbered, fmt,
                                      templates_dir=self.templates_dir).content
                for fmt in doc_type.formats}

    @staticmethod
    def _row(doc_type: DocumentType, prepared: Prepared, numbered: dict[str, Any],
             issued_id: str, scope: str) -> IssuedDocument:
        """The row of a numbered document (the files' names and hashes come next)."""
        day: date = prepared["date"]
        number = numbered["number"]
        signer = prepared["signer"]
        return IssuedDocument(
            id=issued_id, document_type=doc_type.id, scope=scope, year=day.year,
            number=number, number_text=number_text(number),
            symbol=prepared.context["symbol"], date=day, summary=prepared["summary"],
            summary_key=fold_key(prepared["summary"]),
            issuer_name=prepared["issuer"]["name"], signer_name=signer["name"],
            signer_position=signer["position"],
            recipients=json.dumps(list(prepared["recipients"]), ensure_ascii=False),
            payload=json.dumps(_json_ready(numbered), ensure_ascii=False),
            issued_at=utcnow(), verification_code=new_code())

    def _store_files(self, row: IssuedDocument, rendered: Mapping[Format, bytes],
                     written: list[str], sign: bool = True) -> None:
        for fmt, content in rendered.items():
            if fmt is Format.PDF and sign and self.finish_pdf is not None:
                content = self.finish_pdf(content, {
                    "signer_name": row.signer_name, "agency": row.issuer_name,
                    "reference": f"{row.number_text}/{row.symbol}"})
            name = IssuedFiles.name(row.year, row.id, fmt.value)
            written.append(name)
            digest = self.files.write(name, content)
            if fmt is Format.PDF:
                row.pdf_file, row.pdf_sha256 = name, digest
            else:
                row.docx_file, row.docx_sha256 = name, digest

    def _replay(self, owner: str, key: str | None, fingerprint: str) -> IssuedView | None:
        if key is None:
            return None
        with Session(self.engine) as session:
            row = session.scalar(select(IssuedDocument).where(
                IssuedDocument.idempotency_scope == owner,
                IssuedDocument.idempotency_key == key))
            if row is None:
                return None
            view = issued_view(row)
            if row.request_hash != fingerprint:
                raise IdempotencyMismatch(view)
        return _replayed(view)

    # -- reading ----------------------------------------------------------------------------

    def get(self, issued_id: str) -> IssuedView | None:
        with Session(self.engine) as session:
            row = session.get(IssuedDocument, issued_id)
            return None if row is None else issued_view(row)

    def require(self, issued_id: str) -> IssuedView:
        """:raises IssuedNotFound: no such document."""
        view = self.get(issued_id)
        if view is None:
            raise IssuedNotFound(issued_id)
        return view

    def payload(self, issued_id: str) -> dict[str, Any]:
        """The payload as issued (numbered and dated): what the stored files were made from."""
        with Session(self.engine) as session:
            row = session.get(IssuedDocument, issued_id)
            if row is None:
                raise IssuedNotFound(issued_id)
            return json.loads(row.payload)

    def file_bytes(self, issued_id: str, fmt: Format | str) -> bytes:
        """The stored bytes of the PDF or the DOCX.

        :raises IssuedNotFound, StoredFileMissing:
        """
        name = self.require(issued_id).files.get(Format(fmt).value)
        if name is None or not self.files.path(name).is_file():
            raise StoredFileMissing(issued_id, Format(fmt).value)
        return self.files.read(name)

    def search(self, filters: Filters | None = None) -> Page:
        """The documents matching ``filters``: newest first (or in number order), one page."""
        filters = filters or Filters()
        statement = search_statement(filters)
        with Session(self.engine) as session:
            total = int(session.scalar(select(func.count()).select_from(
                statement.order_by(None).subquery())) or 0)
            rows = session.scalars(statement.limit(filters.limit).offset(filters.offset))
            return Page([issued_view(r) for r in rows], total, filters.limit, filters.offset)

    def entries(self, filters: Filters) -> list[tuple[IssuedView, dict[str, Any]]]:
        """Every match (no page) with its payload as issued: what the exports print."""
        with Session(self.engine) as session:
            rows = session.scalars(search_statement(filters))
            return [(issued_view(row), json.loads(row.payload)) for row in rows]

    def orphans(self) -> list[str]:
        """Stored files whose issue never committed (garbage to remove)."""
        with Session(self.engine) as session:
            recorded = {name for pair in session.execute(
                select(IssuedDocument.pdf_file, IssuedDocument.docx_file)) for name in pair
                if name}
        return self.files.orphans(recorded)

    def remove_orphans(self) -> list[str]:
        found = self.orphans()
        self.files.discard(found)
        return found

    # -- voiding ----------------------------------------------------------------------------

    def void(self, issued_id: str, reason: str, by: str) -> IssuedView:
        """Void a document: it keeps its number and its row, with the reason, who and when.

        :raises IssuedNotFound, AlreadyVoided:
        :raises InvalidPayload: no reason, or a reason over 500 characters.
        """
        reason = " ".join(str(reason or "").split())
        if not reason or len(reason) > MAX_REASON:
            raise InvalidPayload([FieldError("/reason", "invalid_reason",
                                             f"Ghi lý do hủy (1 đến {MAX_REASON} ký tự).")])
        with Session(self._writer) as session, session.begin():
            row = session.get(IssuedDocument, issued_id)
            if row is None:
                raise IssuedNotFound(issued_id)
            if row.voided_at is not None:
                raise AlreadyVoided(issued_view(row))
            row.voided_at, row.void_reason, row.voided_by = utcnow(), reason, by
        return self.require(issued_id)


def _replayed(view: IssuedView) -> IssuedView:
    from dataclasses import replace

    return replace(view, replayed=True)
