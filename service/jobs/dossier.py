"""The dossier (hồ sơ) of an issued commendation decision, as a batch job.

From the decision as issued (:class:`~service.register.RegisterStore`), one certificate per
row of its list: the row's award with its own wording and profile, the decision's authority,
number and symbol, date, place and signer, the row's achievement or the agency's
(``DOSSIER_ACHIEVEMENT``, else the decision's reason). Rows are grouped by award (in the order
each award first appears), so the merged PDF reads award by award.

:func:`submit_dossier` validates every certificate, then creates the job (kind ``dossier``,
``source`` the decision's id) and reserves its commendation register numbers in the same
transaction (:func:`service.register.commendation.reserve`). The render steps read each
item's number from the register, so a job killed half-way and resumed prints exactly its
numbers; the last step assembles the ZIP (both in :mod:`service.jobs.dossier_zip`).
One dossier per decision: while one runs or once one was delivered, asking again returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.bulk import Output, prepare
from service.core_errors import FieldError, InvalidPayload
from service.db.jobs import DOSSIER, PRINTS_REGISTER, Job
from service.jobs.job_service import JobService, Submission, request_fingerprint
from service.register import RegisterStore
from service.register.commendation import (
    Reservation,
    register_for,
    reserve,
)
from service.register.errors import RegisterError

DECISION_TYPE = "commendation_decision"
CERTIFICATE_TYPE = "certificate"
DEFAULT_PROFILE = "a4-landscape"
PLACEHOLDER = 9_000_000  # + the item's index: 7 digits validated, the real number is shorter


class NotADecision(RegisterError):
    """Only an issued, not voided commendation decision has a dossier."""

    def __init__(self, issued_id: str, reason: str) -> None:
        super().__init__(issued_id)
        self.issued_id, self.reason = issued_id, reason


class DossierExists(Exception):
    """A dossier of this decision runs or was delivered (raised under the creation lock)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id


def certificate_award(code: str) -> str:
    """The certificate kind of a reward-table award code."""
    if code.startswith("bang_khen"):
        return "bang_khen"
    if code.startswith("giay_khen"):
        return "giay_khen"
    return "danh_hieu"


def _award_label(code: str, row_label: str | None) -> str:
    if row_label:
        return row_label
    from service.rewards import current
    from service.rewards.model import RewardsConfigError

    try:
        award = current().awards.get(code)
    except (RewardsConfigError, OSError):
        award = None
    return award.label if award is not None else code.replace("_", " ").capitalize()


def profiles(settings: Mapping[str, Any]) -> dict[str, str]:
    """``DOSSIER_PROFILES`` (``bang_khen=a3-landscape,giay_khen=a4-landscape``) as a dict."""
    out = {}
    for part in str(settings.get("DOSSIER_PROFILES") or "").split(","):
        award, _, profile = part.partition("=")
        if award.strip() and profile.strip():
            out[award.strip()] = profile.strip()
    return out


def _achievement(payload: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    text = str(settings.get("DOSSIER_ACHIEVEMENT") or "").strip()
    if not text:
        reason = str(payload.get("reason") or "").strip()
        text = reason[:1].upper() + reason[1:]
        text = text if text.endswith(".") else text + "."
    return text


def _common(view, payload: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """What every certificate of the decision shares."""
    return {"authority": payload["authority"], "place": payload["place"],
            "date": view.date.isoformat(), "decision_number": view.number_symbol,
            "decision_date": view.date.isoformat(), "signer": payload["signer"],
            "achievement": _achievement(payload, settings)}


def _item(entry: Mapping[str, Any], code: str, label: str, profile: str) -> dict[str, Any]:
    award = certificate_award(code)
    item: dict[str, Any] = {"award": award, "recipient_kind": entry["kind"],
                            "recipient_name": entry["name"], "profile": profile,
                            "honorific": entry.get("honorific") or None,
                            "position": entry.get("position"), "unit": entry.get("unit")}
    if award == "danh_hieu":
        item["title"] = label
    if entry.get("achievement"):
        item["achievement"] = entry["achievement"]
    return item


def grouped(entries: Sequence[Mapping[str, Any]], general: str
            ) -> list[tuple[int, str, Mapping]]:
    """(row index, award code, row) in award groups, each in the order its award first
    appears."""
    order: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for position, entry in enumerate(entries):
        order.setdefault(entry.get("award") or general, []).append((position, entry))
    return [(position, code, entry) for code, rows in order.items()
            for position, entry in rows]


ENTRY_FIELDS = {"recipient_name": "name", "recipient_kind": "kind"}


def _entry_pointers(exc: InvalidPayload, positions: Sequence[int]) -> InvalidPayload:
    """A certificate's error pointed at its row of the decision's list
    (``/items/3/recipient_name`` → ``/entries/7/name``)."""
    errors = []
    for err in exc.errors:
        parts = err.pointer.split("/")
        if len(parts) > 2 and parts[1] == "items" and parts[2].isdigit():
            parts[1:3] = ["entries", str(positions[int(parts[2])])]
            if len(parts) > 3:
                parts[3] = ENTRY_FIELDS.get(parts[3], parts[3])
        errors.append(FieldError("/".join(parts), err.code, err.message))
    return InvalidPayload(errors, exc.detail)


def build(view, payload: Mapping[str, Any], settings: Mapping[str, Any]
          ) -> tuple[dict[str, Any], list[dict[str, Any]], list[Reservation]]:
    """The certificates of a decision: common fields, items, and what each records."""
    general = payload.get("award") or "giay_khen"
    by_award = profiles(settings)
    items, reservations = [], []
    for index, (_position, code, entry) in enumerate(grouped(payload["entries"], general)):
        label = _award_label(code, entry.get("award_label")
                             or (payload.get("award_title") if code == general else None))
        award = certificate_award(code)
        item = _item(entry, code, label, by_award.get(award, DEFAULT_PROFILE))
        items.append({**item, "register_no": str(PLACEHOLDER + index)})
        reservations.append(Reservation(
            index=index, register=register_for(award, settings), award=award,
            award_label=label, recipient_kind=entry["kind"], recipient_name=entry["name"],
            unit=entry.get("unit"), identifier=entry.get("identifier"),
            decision_number=view.number_symbol, decision_date=view.date,
            issued_id=view.id))
    return _common(view, payload, settings), items, reservations


def _decision(register: RegisterStore, issued_id: str):
    view = register.require(issued_id)
    if view.document_type != DECISION_TYPE:
        raise NotADecision(issued_id, "Chỉ quyết định khen thưởng mới có hồ sơ bằng, giấy khen.")
    if view.voided:
        raise NotADecision(issued_id, "Quyết định đã bị hủy; không in bằng, giấy khen.")
    return view


def _guard(source: str):
    """Refuse a second dossier of a decision inside the creation transaction."""

    def check(session: Session, job_id: str) -> None:
        other = session.scalar(select(Job.id).where(
            Job.kind == DOSSIER, Job.source == source, Job.id != job_id,
            Job.status.in_(PRINTS_REGISTER)).limit(1))
        if other is not None:
            raise DossierExists(other)

    return check


def existing(service: JobService, issued_id: str):
    """The decision's dossier job that runs or was delivered, if any."""
    return service.store.find_dossier(issued_id)


def submit_dossier(service: JobService, register: RegisterStore, issued_id: str, *,
                   owner: str | None = None, idempotency_key: str | None = None,
                   start: bool = True) -> Submission:
    """Validate the certificates of an issued decision and queue its dossier job.

    :raises IssuedNotFound, NotADecision: (register errors)
    :raises InvalidPayload: a row does not make a valid certificate.
    """
    from service import registry

    view = _decision(register, issued_id)
    found = existing(service, issued_id)
    if found is not None:
        return Submission(found, True)
    payload = register.payload(issued_id)
    common, items, reservations = build(view, payload, service.settings)
    try:
        prepared = prepare(registry.require(CERTIFICATE_TYPE), common, items,
                           max_items=max(len(items), 1))
    except InvalidPayload as exc:
        positions = [p for p, _c, _e in grouped(payload["entries"],
                                                payload.get("award") or "giay_khen")]
        raise _entry_pointers(exc, positions) from None
    guard = _guard(issued_id)

    def reserve_numbers(session: Session, job_id: str) -> None:
        guard(session, job_id)
        reserve(session, job_id, reservations)

    try:
        return service.submit(registry.require(CERTIFICATE_TYPE), Output.ZIP_PDF, prepared,
                              owner=owner, idempotency_key=idempotency_key,
                              fingerprint=request_fingerprint({"dossier": issued_id}),
                              start=start, kind=DOSSIER, source=issued_id,
                              reserve=reserve_numbers)
    except DossierExists as exists:
        job = service.store.get(exists.job_id)
        if job is None:  # pragma: no cover - a job row is never deleted while it prints
            raise
        return Submission(job, True)
