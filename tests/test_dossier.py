"""The dossier of an issued commendation decision and the commendation register, on SQLite
and PostgreSQL: numbers reserved with the job, exactly those printed after a worker is
killed, one dossier per decision, a cancelled dossier's numbers never given again, and the
ZIP's contents read back (decision files, merged and single certificates, register XLSX)."""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import date

import pytest

from service import config, registry
from service.jobs.dossier import NotADecision, submit_dossier
from service.jobs.dossier_zip import MERGED_NAME, REGISTER_NAME, SINGLE_DIR
from service.register import RegisterStore
from service.register.commendation import CommendationStore, EntryFilters
from tests.support.jobs import kill_mid_step
from tests.support.register import draft, pdf_text, register_settings, sha256

pytest_plugins = ["tests.support.services"]

DECISION = registry.require("commendation_decision")
TODAY = date(2026, 12, 7)


def decision_payload(n: int, *, bang_khen_every: int = 3) -> dict:
    """A decision whose list has ``n`` rows: every ``bang_khen_every``-th row a Bằng khen,
    the others the decision's Giấy khen; collectives and individuals."""
    payload = draft("commendation_decision", day=None)
    entries = []
    for i in range(n):
        row = {"kind": "ca_nhan", "honorific": "ba" if i % 2 else "ong",
               "name": f"Nguyễn Văn Người {i + 1:04d}", "position": "Giáo viên",
               "unit": f"Trường THPT số {i % 7 + 1}", "award": None, "award_label": None,
               "amount": None}
        if i % 5 == 4:
            row.update(kind="tap_the", honorific=None, name=f"Tổ chuyên môn {i + 1:04d}",
                       position=None)
        if i % bang_khen_every == bang_khen_every - 1:
            row["award"] = "bang_khen_bo_tinh"
        entries.append(row)
    payload["entries"] = entries
    payload["compute_rewards"] = False
    return payload


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def conf(request, tmp_path):
    url = "" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    base = register_settings(tmp_path / "data", url)
    return config.load({**base, "LOG_LEVEL": "WARNING", "CHUNK_SIZE": 4, "JOB_WORKERS": 2},
                       environ={})


@pytest.fixture
def register(conf):
    return RegisterStore(conf, today=lambda: TODAY)


@pytest.fixture
def make_service():
    from service.jobs.runner import JobService

    made = []

    def make(conf, **kw):
        service = JobService(conf, **kw)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


def wait_finished(store, job_id: str, timeout: float = 600):
    deadline = time.monotonic() + timeout
    while True:
        job = store.get(job_id)
        if job.finished:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def expected_numbers(payload: dict) -> dict[str, list[int]]:
    counts: dict[str, int] = {}
    for entry in payload["entries"]:
        award = "bang_khen" if (entry.get("award") or "").startswith("bang_khen") else "giay_khen"
        counts[award] = counts.get(award, 0) + 1
    return {award: list(range(1, count + 1)) for award, count in counts.items()}


def register_numbers(conf) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for entry in CommendationStore(conf).entries(EntryFilters()):
        found.setdefault(entry.register, []).append(entry.number)
    return found


def check_dossier(conf, register, issued_id: str, job_id: str, rows: int) -> None:
    """The ZIP holds the decision as issued, one merged PDF grouped by award, one PDF per
    certificate whose decision number, date and register number match its entry, and the
    register entries as XLSX."""
    from openpyxl import load_workbook

    from service.jobs.files import JobFiles

    doc = register.require(issued_id)
    with zipfile.ZipFile(JobFiles(conf["DATA_DIR"]).result_path(job_id, "zip-pdf")) as z:
        names = z.namelist()
        decision = [n for n in names if n.startswith("1 Quyết định")]
        assert sorted(n.rsplit(".", 1)[1] for n in decision) == ["docx", "pdf"]
        for name in decision:
            assert sha256(z.read(name)) == doc.sha256[name.rsplit(".", 1)[1]]
        singles = sorted(n for n in names if n.startswith(SINGLE_DIR + "/"))
        assert len(singles) == rows
        entries = {e.item_index: e for e in CommendationStore(conf).for_job(job_id)}
        assert len(entries) == rows
        d = doc.date
        decided = f"Quyết định số {doc.number_symbol} ngày {d.day:02d} tháng {d.month:02d} " \
                  f"năm {d.year}"
        awards = []
        for index, name in enumerate(singles):
            text = pdf_text(z.read(name))
            entry = entries[index]
            assert decided in text, name
            assert re.search(rf"Số sổ(?: vàng)?: {entry.number}$", text, re.M), (name, entry)
            assert entry.recipient_name in text, name
            awards.append("GIẤY KHEN" if "GIẤY KHEN" in text else "BẰNG KHEN")
        assert awards == sorted(awards, key=awards.index)  # one run per award
        from pypdf import PdfReader

        assert len(PdfReader(io.BytesIO(z.read(MERGED_NAME))).pages) == rows
        sheet = load_workbook(io.BytesIO(z.read(REGISTER_NAME))).active
        values = list(sheet.iter_rows(values_only=True))
        assert len(values) == rows + 1
        assert {(r[0], r[1]) for r in values[1:]} == {
            (("Sổ Bằng khen" if e.register == "bang_khen" else "Sổ Giấy khen"), e.number)
            for e in entries.values()}
        assert all(r[10] == "Đã in" for r in values[1:])


def test_a_dossier_numbers_each_register_and_prints_what_it_reserved(conf, register,
                                                                     make_service):
    payload = decision_payload(10)
    doc = register.issue(DECISION, payload, "key:a")
    service = make_service(conf)
    job = submit_dossier(service, register, doc.id, owner="key:a").job
    assert job.kind == "dossier"
    assert job.source == doc.id
    assert register_numbers(conf) == expected_numbers(payload)  # reserved with the job
    states = {e.state for e in CommendationStore(conf).for_job(job.id)}
    assert states <= {"reserved", "printed"}
    assert wait_finished(service.store, job.id).status == "succeeded"
    check_dossier(conf, register, doc.id, job.id, 10)
    assert {e.state for e in CommendationStore(conf).for_job(job.id)} == {"printed"}
    again = submit_dossier(service, register, doc.id, owner="key:a")
    assert again.replayed
    assert again.job.id == job.id
    assert register_numbers(conf) == expected_numbers(payload)


def test_sigkill_of_a_worker_mid_dossier_leaves_no_gap_and_no_duplicate(conf, register,
                                                                        make_service):
    payload = decision_payload(24)
    doc = register.issue(DECISION, payload, "key:a")
    service = make_service(conf)
    job = submit_dossier(service, register, doc.id, owner="key:a").job
    kill_mid_step(service.store, job.id)
    assert wait_finished(service.store, job.id).status == "succeeded"
    assert register_numbers(conf) == expected_numbers(payload)  # exact equality
    check_dossier(conf, register, doc.id, job.id, 24)


def test_a_cancelled_dossier_keeps_its_numbers_and_the_next_one_takes_new_ones(
        conf, register, make_service):
    payload = decision_payload(6)
    doc = register.issue(DECISION, payload, "key:a")
    service = make_service(conf, start_supervisor=False)
    first = submit_dossier(service, register, doc.id, start=False).job
    service.cancel(first.id)
    assert {e.state for e in CommendationStore(conf).for_job(first.id)} == {"cancelled"}
    second = submit_dossier(service, register, doc.id, start=False).job
    assert second.id != first.id
    numbers = register_numbers(conf)
    expected = expected_numbers(payload)
    assert numbers == {award: list(range(1, 2 * len(n) + 1)) for award, n in expected.items()}
    page = CommendationStore(conf).search(EntryFilters(name="nguyen van nguoi 0002"))
    assert page.total == 2
    assert {e.state for e in page.items} == {"cancelled", "reserved"}


def test_only_an_issued_decision_has_a_dossier(conf, register, make_service):
    directive = register.issue(registry.require("directive"), draft(), "key:a")
    service = make_service(conf, start_supervisor=False)
    with pytest.raises(NotADecision):
        submit_dossier(service, register, directive.id, start=False)
    doc = register.issue(DECISION, decision_payload(2), "key:a")
    register.void(doc.id, "Nhầm danh sách", "admin")
    with pytest.raises(NotADecision):
        submit_dossier(service, register, doc.id, start=False)


def test_a_persons_history_by_name_within_a_unit(conf, register, make_service):
    service = make_service(conf, start_supervisor=False)
    for _ in range(2):
        doc = register.issue(DECISION, decision_payload(3), "key:a")
        submit_dossier(service, register, doc.id, start=False)
    history = CommendationStore(conf).history(name="NGUYEN VAN NGUOI 0001",
                                              unit="trường thpt số 1")
    assert len(history) == 2
    assert [e.decision_number for e in history] == sorted(e.decision_number for e in history)
    assert CommendationStore(conf).history(name="Nguyễn Văn Người 0001", unit="Khác") == []


def xlsx_of(entries: list[dict]) -> bytes:
    """The decision's list as a clerk's spreadsheet: a title row, Vietnamese headers, the
    award written out as the reward table names it, kinds and honorifics in words."""
    from openpyxl import Workbook

    from service import rewards

    awards = rewards.current().awards
    kinds = {"ca_nhan": "Cá nhân", "tap_the": "Tập thể"}
    honorifics = {"ong": "Ông", "ba": "Bà", None: None}
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"])
    sheet.append([])
    sheet.append(["STT", "Đối tượng", "Danh xưng", "Họ và tên", "Chức vụ", "Đơn vị",
                  "Hình thức khen thưởng"])
    for i, entry in enumerate(entries, start=1):
        award = awards[entry["award"]].name if entry["award"] else None
        sheet.append([i, kinds[entry["kind"]], honorifics[entry["honorific"]], entry["name"],
                      entry["position"], entry["unit"], award])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.slow
@pytest.mark.timeout(1800)  # every one of the 3.000 PDFs is opened and read
def test_a_3000_row_decision_from_a_spreadsheet_issues_and_makes_its_dossier(tmp_path,
                                                                            make_service):
    """On the embedded default (SQLite; PostgreSQL runs every other dossier test): the list
    read from an XLSX as a clerk writes it, the decision issued, its dossier made; every
    certificate's decision number, date and register number match the register."""
    from service.tabular.lists import list_field, read_list

    conf = config.load({**register_settings(tmp_path / "data", ""), "LOG_LEVEL": "WARNING",
                        "CHUNK_SIZE": 100, "JOB_WORKERS": 4}, environ={})
    register = RegisterStore(conf, today=lambda: TODAY)
    payload = decision_payload(3000)
    table = read_list(list_field(DECISION, "entries"), xlsx_of(payload["entries"]), "ds.xlsx")
    assert len(table.items) == 3000
    assert [e["name"] for e in table.items] == [e["name"] for e in payload["entries"]]
    payload["entries"] = table.items
    doc = register.issue(DECISION, payload, "key:a")
    service = make_service(conf)
    job = submit_dossier(service, register, doc.id, owner="key:a").job
    assert wait_finished(service.store, job.id, timeout=1500).status == "succeeded"
    assert register_numbers(conf) == expected_numbers(payload)
    check_dossier(conf, register, doc.id, job.id, 3000)


SERVICE_SCRIPT = r"""
import json, sys, time
from service import config
from service.jobs.dossier import submit_dossier
from service.jobs.runner import JobService
from service.register import RegisterStore
conf = config.load(json.loads(sys.argv[1]), environ={})
service = JobService(conf)
job = submit_dossier(service, RegisterStore(conf), sys.argv[2], owner="key:a").job
print(job.id, flush=True)
time.sleep(3600)
"""


def test_sigkill_of_the_whole_service_mid_dossier_then_a_restart_completes_it(
        conf, register, make_service):
    """The process that queued the dossier and its workers are killed together while
    certificates render; a new service resumes the job: exactly the reserved numbers."""
    import json
    import os
    import signal
    import subprocess
    import sys

    from service.jobs.store import JobStore
    from tests.conftest import ROOT

    payload = decision_payload(40)
    doc = register.issue(DECISION, payload, "key:a")
    settings = {k: conf[k] for k in ("DATA_DIR", "TEMPLATES_DIR", "DATABASE_URL",
                                     "CHUNK_SIZE", "JOB_WORKERS", "LOG_LEVEL")}
    proc = subprocess.Popen([sys.executable, "-c", SERVICE_SCRIPT, json.dumps(settings), doc.id],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        job_id = proc.stdout.readline().strip()
        store = JobStore(RegisterStore(conf).url)
        deadline = time.monotonic() + 300
        while store.get(job_id).done < 8:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert store.get(job_id).status in ("queued", "running")
    assert register_numbers(conf) == expected_numbers(payload)
    service = make_service(conf)  # unfinished jobs: its supervisor starts and resumes them
    assert wait_finished(service.store, job_id).status == "succeeded"
    assert register_numbers(conf) == expected_numbers(payload)
    check_dossier(conf, register, doc.id, job_id, 40)


def test_two_dossiers_of_one_decision_at_once_make_one_job(conf, register, make_service):
    import threading

    payload = decision_payload(6)
    doc = register.issue(DECISION, payload, "key:a")
    service = make_service(conf, start_supervisor=False)
    barrier = threading.Barrier(4)
    found: list[str] = []

    def ask() -> None:
        barrier.wait()
        found.append(submit_dossier(service, register, doc.id, start=False).job.id)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 4
    assert len(set(found)) == 1
    assert register_numbers(conf) == expected_numbers(payload)
