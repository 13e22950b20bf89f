"""The register of issued documents on SQLite and on PostgreSQL: Decree 30 numbering, the
stored files, idempotency, voiding, searching, and 20 issuers at once."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from service import registry
from service.core_errors import InvalidPayload
from service.register import (
    AlreadyVoided,
    Filters,
    IdempotencyMismatch,
    IssuedNotFound,
    NotIssuable,
    RegisterStore,
)
from tests.support.register import (
    docx_text,
    draft,
    numbers_by_sequence,
    pdf_text,
    register_settings,
    sha256,
    stored_files_match,
)

pytest_plugins = ["tests.support.services"]

DIRECTIVE = registry.require("directive")
PLAN = registry.require("emulation_plan")
TODAY = date(2026, 3, 2)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return ""  # the SQLite file under DATA_DIR
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def make_store(tmp_path, database_url):
    def make(**settings) -> RegisterStore:
        return RegisterStore(register_settings(tmp_path / "data", database_url, **settings),
                             today=lambda: TODAY)

    return make


@pytest.fixture
def store(make_store):
    return make_store()


def test_issuing_takes_01_and_stores_both_files_with_their_hashes(store):
    doc = store.issue(DIRECTIVE, draft(), "key:a")
    assert (doc.number, doc.number_text, doc.symbol, doc.year) == (1, "01", "CT-BKHCN", 2026)
    assert doc.number_symbol == "01/CT-BKHCN"
    assert doc.scope == "BKHCN"
    assert doc.issued_by == "key:a"
    assert doc.date == date(2026, 3, 2)
    assert doc.summary == draft()["summary"]
    assert doc.recipients == tuple(draft()["recipients"])
    pdf, docx = store.file_bytes(doc.id, "pdf"), store.file_bytes(doc.id, "docx")
    assert sha256(pdf) == doc.sha256["pdf"]
    assert sha256(docx) == doc.sha256["docx"]
    assert "Số: 01/CT-BKHCN" in pdf_text(pdf)
    assert "Số: 01/CT-BKHCN" in docx_text(docx)
    assert store.payload(doc.id)["number"] == 1
    second = store.issue(DIRECTIVE, draft(), "key:a")
    assert second.number_symbol == "02/CT-BKHCN"
    assert "Số: 02/CT-BKHCN" in pdf_text(store.file_bytes(second.id, "pdf"))
    assert store.orphans() == []


def test_a_document_without_a_date_is_dated_today_in_viet_nam(store):
    doc = store.issue(DIRECTIVE, draft(day=None), "key:a")
    assert doc.date == TODAY
    assert store.payload(doc.id)["date"] == TODAY.isoformat()


def test_a_payload_that_carries_a_number_is_refused_and_takes_none(store):
    with pytest.raises(InvalidPayload) as refused:
        store.issue(DIRECTIVE, draft(number=7), "key:a")
    assert [(e.pointer, e.code) for e in refused.value.errors] == [
        ("/number", "number_assigned_on_issue")]
    with pytest.raises(InvalidPayload):
        store.issue(DIRECTIVE, draft(summary=""), "key:a")  # invalid: no number taken either
    assert store.issue(DIRECTIVE, draft(), "key:a").number == 1


def test_a_certificate_is_not_entered_in_the_register(store, sample):
    with pytest.raises(NotIssuable):
        store.issue(registry.require("certificate"), sample("certificate"), "key:a")


def test_a_new_year_restarts_at_01(store):
    numbers = [store.issue(DIRECTIVE, draft(day=day), "key:a").number_symbol
               for day in ("2025-12-30", "2025-12-31", "2026-01-02", "2026-01-03")]
    assert numbers == ["01/CT-BKHCN", "02/CT-BKHCN", "01/CT-BKHCN", "02/CT-BKHCN"]
    late = store.issue(DIRECTIVE, draft(day="2025-12-31"), "key:a")
    assert (late.year, late.number) == (2025, 3)


def test_types_share_the_agency_sequence_unless_configured_per_type(make_store):
    shared = make_store()
    plan = draft("emulation_plan", issuer={"parent": None, "name": "Bộ Khoa học và Công nghệ",
                                           "abbreviation": "BKHCN"})
    assert shared.issue(DIRECTIVE, draft(), "key:a").number == 1
    assert shared.issue(PLAN, plan, "key:a").number_symbol == "02/KH-BKHCN"
    per_type = make_store(REGISTER_SEQUENCE="per_type")
    assert per_type.issue(PLAN, plan, "key:a").number == 1
    assert per_type.issue(DIRECTIVE, draft(), "key:a").number == 1
    other = draft(issuer={"parent": None, "name": "Sở Nội vụ", "abbreviation": "SNV"})
    assert shared.issue(DIRECTIVE, other, "key:a").number_symbol == "01/CT-SNV"


def test_a_voided_number_is_never_given_again(store):
    first = store.issue(DIRECTIVE, draft(), "key:a")
    second = store.issue(DIRECTIVE, draft(), "key:a")
    voided = store.void(second.id, "  Sai   trích yếu ", "user:1")
    assert (voided.voided, voided.void_reason, voided.voided_by) == (True, "Sai trích yếu",
                                                                      "user:1")
    assert store.issue(DIRECTIVE, draft(), "key:a").number == 3
    with pytest.raises(AlreadyVoided):
        store.void(second.id, "lần nữa", "user:1")
    with pytest.raises(InvalidPayload):
        store.void(first.id, "   ", "user:1")
    with pytest.raises(IssuedNotFound):
        store.void("0" * 32, "không có", "user:1")
    assert [d.number for d in store.search(Filters(voided=True)).items] == [2]
    assert store.file_bytes(second.id, "pdf")  # a voided document keeps its files


def test_an_idempotent_retry_returns_the_same_document(store):
    doc = store.issue(DIRECTIVE, draft(), "key:a", idempotency_key="k-1")
    again = store.issue(DIRECTIVE, draft(), "key:a", idempotency_key="k-1")
    assert (again.id, again.number, again.replayed) == (doc.id, 1, True)
    with pytest.raises(IdempotencyMismatch) as mismatch:
        store.issue(DIRECTIVE, draft(summary="Về việc khác"), "key:a", idempotency_key="k-1")
    assert mismatch.value.existing.id == doc.id
    other_owner = store.issue(DIRECTIVE, draft(), "key:b", idempotency_key="k-1")
    assert other_owner.number == 2
    assert store.search().total == 2


def test_a_failure_inside_the_transaction_gives_its_number_back_and_its_files(store,
                                                                              monkeypatch):
    real = store.files.write

    def fail_on_pdf(name, content):
        if name.endswith(".pdf"):
            raise OSError(28, "No space left on device")
        return real(name, content)

    monkeypatch.setattr(store.files, "write", fail_on_pdf)
    with pytest.raises(OSError, match="No space"):
        store.issue(DIRECTIVE, draft(), "key:a")
    monkeypatch.setattr(store.files, "write", real)
    assert store.search().total == 0
    assert store.files.stored() == []  # the DOCX written before the failure is gone too
    assert store.issue(DIRECTIVE, draft(), "key:a").number == 1


def test_a_render_before_the_lock_that_guessed_wrong_is_done_again(store, monkeypatch):
    from service import rendering

    real = rendering.render
    issued_meanwhile: list = []

    def render(doc_type, payload, fmt, **kwargs):
        if not issued_meanwhile:  # another issuer takes 01 while this one renders
            issued_meanwhile.append(None)
            monkeypatch.setattr(rendering, "render", real)
            issued_meanwhile[0] = store.issue(DIRECTIVE, draft(), "key:b")
            monkeypatch.setattr(rendering, "render", render)
        return real(doc_type, payload, fmt, **kwargs)

    monkeypatch.setattr(rendering, "render", render)
    doc = store.issue(DIRECTIVE, draft(), "key:a")
    assert (issued_meanwhile[0].number, doc.number) == (1, 2)
    assert "Số: 02/CT-BKHCN" in pdf_text(store.file_bytes(doc.id, "pdf"))
    assert "Số: 02/CT-BKHCN" in docx_text(store.file_bytes(doc.id, "docx"))
    assert store.payload(doc.id)["number"] == 2


def test_an_uncontended_issue_renders_outside_the_write_lock(tmp_path, monkeypatch):
    """Other writers of the database (jobs, sign-ins) are not held up by a long render."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from service import db, rendering

    store = RegisterStore(register_settings(tmp_path / "data"), today=lambda: TODAY)
    other = db.writer(db.get_engine(store.url, 0.2))
    real = rendering.render
    could_write: list[bool] = []

    def render(doc_type, payload, fmt, **kwargs):
        try:
            with other.begin() as conn:
                conn.execute(text("SELECT 1"))
            could_write.append(True)
        except OperationalError:  # database is locked
            could_write.append(False)
        return real(doc_type, payload, fmt, **kwargs)

    monkeypatch.setattr(rendering, "render", render)
    store.issue(DIRECTIVE, draft(), "key:a")
    store.issue(DIRECTIVE, draft(), "key:a")
    assert could_write == [True] * 4


def test_search_by_number_year_type_and_summary_with_or_without_diacritics(store):
    store.issue(DIRECTIVE, draft(day="2025-06-01"), "key:a")
    store.issue(DIRECTIVE, draft(summary="Về tăng cường kỷ luật hành chính"), "key:a")
    store.issue(DIRECTIVE, draft(), "key:a")
    assert store.search().total == 3
    assert [d.number for d in store.search(Filters(year=2026)).items] == [2, 1]  # newest first
    assert store.search(Filters(number=1)).total == 2
    assert store.search(Filters(text="ky luat hanh chinh")).total == 1
    assert store.search(Filters(text="KỶ LUẬT")).total == 1
    assert store.search(Filters(text="100%_")).total == 0
    assert store.search(Filters(document_type="emulation_plan")).total == 0
    page = store.search(Filters(limit=2, offset=2))
    assert (page.total, len(page.items)) == (3, 1)
    in_order = store.entries(Filters(oldest_first=True))
    assert [(d.year, d.number) for d, _ in in_order] == [(2025, 1), (2026, 1), (2026, 2)]


@pytest.mark.slow
def test_twenty_concurrent_issues_get_twenty_consecutive_numbers(store):
    results: list = []
    errors: list = []

    def issue(n: int) -> None:
        try:
            results.append(store.issue(DIRECTIVE, draft(), f"key:{n}"))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert errors == []
    assert sorted(doc.number for doc in results) == list(range(1, 21))
    assert numbers_by_sequence(store) == {("BKHCN", 2026): list(range(1, 21))}
    stored_files_match(store)
    for doc in results:
        assert f"Số: {doc.number:02d}/CT-BKHCN" in pdf_text(store.file_bytes(doc.id, "pdf"))


def test_the_cli_issues_and_prints_the_number_and_id(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from service.cli import main

    monkeypatch.setenv("THIDUA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("THIDUA_DATABASE_URL", raising=False)
    payload = tmp_path / "chi-thi.json"
    payload.write_text(json.dumps(draft(), ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["issue", "directive", str(payload)])
    assert result.exit_code == 0, result.output
    number, day, issued_id = result.output.strip().split("\t")
    assert (number, day) == ("01/CT-BKHCN", "2026-03-02")
    store = RegisterStore(register_settings(tmp_path / "data"))
    assert store.require(issued_id).number == 1
    payload.write_text(json.dumps(draft(number=3)), encoding="utf-8")
    refused = CliRunner().invoke(main, ["issue", "directive", str(payload)])
    assert refused.exit_code == 1
    assert "number_assigned_on_issue" in refused.output


def test_the_register_imports_no_flask_nor_any_adapter():
    """service/register is a store and its exports: only service/api brings it to HTTP (the
    fake project tree of test_architecture has no service/register, so the rule is here)."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import json, sys, service.register, service.register.book, service.register.export,"
            " service.register.problems; print(json.dumps(sorted(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    forbidden = ("flask", "werkzeug", "flask_smorest", "celery", "kombu", "service.api",
                 "service.web", "service.cli", "service.app", "service.http_errors",
                 "service.jobs", "service.auth")
    assert not {m for m in loaded if m.split(".")[0] in forbidden or m.startswith(forbidden)}
