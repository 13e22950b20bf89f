"""A batch's result is named after what was awarded, the decision and the count (issue 16)."""

from __future__ import annotations

from types import SimpleNamespace

from service import registry
from service.api.batches_names import batch_stem, remember_name, result_stem
from service.bulk import BatchItem
from service.jobs.files import JobFiles


def _items(n: int, **data):
    base = {"award": "giay_khen", "decision_number": "1520/QĐ-SNV", "recipient_kind": "ca_nhan"}
    return [BatchItem(i, i + 2, {**base, **data}, f"muc-{i}") for i in range(n)]


def test_the_name_says_the_award_the_decision_and_the_count():
    certificate = registry.require("certificate")
    assert batch_stem(certificate, _items(30)) == "Giấy khen - 1520-QĐ-SNV - 30 người"
    assert batch_stem(certificate, _items(2, recipient_kind="tap_the")) == \
        "Giấy khen - 1520-QĐ-SNV - 2 văn bản"


def test_the_name_is_kept_beside_the_job_and_an_old_job_keeps_the_old_name(tmp_path):
    files = JobFiles(tmp_path)
    job = SimpleNamespace(id="0123456789abcdef0123456789abcdef", document_type="certificate")
    files.job_dir(job.id).mkdir(parents=True)
    old = result_stem(files, job)
    assert old.endswith("lô 01234567")
    remember_name(files, job.id, registry.require("certificate"), _items(3))
    assert result_stem(files, job) == "Giấy khen - 1520-QĐ-SNV - 3 người"
