"""The name of a batch's result file in the clerk's words: what was awarded, the decision
and the count, ``Giấy khen - 1520-QĐ-SNV - 30 người.pdf``.

The name is worked out when the batch is accepted (from its first validated item) and kept
beside the job's files (``name.json``): the items' inputs are removed once the result exists.
A job without it (accepted before, or its file lost) keeps the old name, ``<type> - lô <id>``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from schemas.base import choice_labels
from service import registry
from service.core_errors import UnknownDocumentType
from service.registry import safe_file_stem

log = logging.getLogger(__name__)
NAME_FILE = "name.json"


def batch_stem(doc_type: Any, items: Sequence[Any]) -> str:
    """``<award or type> - <decision> - <n> người|văn bản`` for the validated ``items``."""
    first = items[0].data if items else {}
    title = doc_type.title
    award_field = doc_type.schema().fields.get("award")
    if award_field is not None and first.get("award"):
        title = choice_labels(award_field, [first["award"]])[0]
    parts = [title]
    if first.get("decision_number") and all(
            i.data.get("decision_number") == first["decision_number"] for i in items):
        parts.append(str(first["decision_number"]))
    people = all(i.data.get("recipient_kind") == "ca_nhan" for i in items)
    parts.append(f"{len(items)} {'người' if people else 'văn bản'}")
    return safe_file_stem(" - ".join(parts))


def remember_name(files: Any, job_id: str, doc_type: Any, items: Sequence[Any]) -> None:
    try:
        path = files.job_dir(job_id) / NAME_FILE
        path.write_text(json.dumps({"stem": batch_stem(doc_type, items)}, ensure_ascii=False),
                        encoding="utf-8")
    except (OSError, ValueError):  # the name is a courtesy: the job runs without it
        log.warning("batch %s: result name not kept", job_id)


def result_stem(files: Any, job: Any) -> str:
    try:
        kept = json.loads((files.job_dir(job.id) / NAME_FILE).read_text(encoding="utf-8"))
        if isinstance(kept, dict) and isinstance(kept.get("stem"), str) and kept["stem"]:
            return kept["stem"]
    except (OSError, ValueError):
        pass
    try:
        title = registry.require(job.document_type).title
    except UnknownDocumentType:  # a type removed since the job ran
        title = job.document_type
    return safe_file_stem(f"{title} - lô {job.id[:8]}")
