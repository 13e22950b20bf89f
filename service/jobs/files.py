"""The files of a job, under ``DATA_DIR/jobs/<id>/``.

``input-000001.json`` …   the validated items of each render step (written once, at submission)
``chunk-000001.pdf`` …    each step's output (``.zip`` for ZIP outputs), written atomically
``result.pdf|zip``        the merged result, written atomically by the merge step

Names are deterministic, so a step run twice writes the same file again and is recorded once.
Validated payloads hold ``date`` and ``Decimal`` values; they are stored as tagged JSON and
read back exactly (no second validation, nothing recomputed).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from service.bulk import BatchItem, Output, write_atomic

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
TAG = "__t"
# disk a batch takes per item, all files together: its input (~2 KB), its chunk's share
# (certificates: ~30 KB a page) and its share of the merged result or the ZIP (as much again)
ESTIMATED_ITEM_BYTES = 64 * 1024


# the scalar values stored as {TAG: tag, "v": text}, in the order they are tried (a
# datetime is also a date)
_TAGGED: tuple[tuple[type, str, Callable[[Any], str]], ...] = (
    (float, "float", repr),
    (Decimal, "decimal", str),
    (datetime, "datetime", lambda v: v.isoformat()),
    (date, "date", lambda v: v.isoformat()),
    (time, "time", lambda v: v.isoformat()),
)


def encode(value: Any) -> Any:
    """A JSON-ready copy of a validated payload; :func:`decode` restores it exactly."""
    if value is None or isinstance(value, bool | int | str):
        return value
    for kind, tag, text in _TAGGED:
        if isinstance(value, kind):
            return {TAG: tag, "v": text(value)}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {TAG: "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, dict):
        return _encode_dict(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a job input")


def _encode_dict(value: dict) -> Any:
    """A plain JSON object when every key is a string (and none is the tag), else tagged."""
    if all(isinstance(k, str) for k in value) and TAG not in value:
        return {k: encode(v) for k, v in value.items()}
    return {TAG: "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}


_DECODERS = {
    "float": float,
    "decimal": Decimal,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
}


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        tag = value.get(TAG)
        if tag is None:
            return {k: decode(v) for k, v in value.items()}
        if tag == "tuple":
            return tuple(decode(v) for v in value["v"])
        if tag == "dict":
            return {decode(k): decode(v) for k, v in value["v"]}
        return _DECODERS[tag](value["v"])
    return value


def extension(output: Output | str) -> str:
    """The result file's extension (:attr:`service.bulk.Output.extension`)."""
    return Output(output).extension


def mimetype(output: Output | str) -> str:
    """The result file's media type (:attr:`service.bulk.Output.mimetype`)."""
    return Output(output).mimetype


class JobFiles:
    """Paths and file operations of the jobs under one data directory."""

    def __init__(self, data_dir: Path | str) -> None:
        self.root = Path(data_dir) / "jobs"

    def job_dir(self, job_id: str) -> Path:
        if not JOB_ID.match(job_id):
            raise ValueError("bad job id")
        return self.root / job_id

    def input_path(self, job_id: str, number: int) -> Path:
        return self.job_dir(job_id) / f"input-{number:06d}.json"

    def chunk_path(self, job_id: str, number: int, output: Output | str) -> Path:
        return self.job_dir(job_id) / f"chunk-{number:06d}.{Output(output).extension}"

    def result_path(self, job_id: str, output: Output | str) -> Path:
        return self.job_dir(job_id) / f"result.{Output(output).extension}"

    def free_bytes(self) -> int:
        """Free space on the disk that holds (or will hold) the job files."""
        path = self.root
        while not path.exists() and path != path.parent:
            path = path.parent
        return shutil.disk_usage(path).free

    def check_space(self, items: int, reserve: int) -> None:
        """Refuse (507) a batch whose files, estimated from its items, would leave less
        than ``reserve`` bytes free."""
        from service.errors import disk_full_problem

        needed, free = items * ESTIMATED_ITEM_BYTES, self.free_bytes()
        if free - needed < reserve:
            mb = 1024 * 1024
            raise disk_full_problem(
                f"Không đủ dung lượng trống cho lô {items} mục: cần khoảng {needed // mb + 1} "
                f"MB, ổ dữ liệu còn {free // mb} MB và phải giữ lại {reserve // mb} MB. Lô chưa "
                "được tạo; hãy báo quản trị viên hoặc gửi lô nhỏ hơn.")

    def write_inputs(self, job_id: str, items: Sequence[BatchItem],
                     spans: Sequence[range]) -> None:
        """One input file per render step (step numbers start at 1)."""
        for number, span in enumerate(spans, start=1):
            payload = {"items": [{"index": it.index, "row": it.row, "name": it.name,
                                  "data": encode(it.data)} for it in items[span.start:span.stop]]}
            write_atomic(self.input_path(job_id, number),
                         json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
                         .encode("utf-8"))

    def read_input(self, job_id: str, number: int) -> list[BatchItem]:
        payload = json.loads(self.input_path(job_id, number).read_bytes())
        return [BatchItem(it["index"], it["row"], decode(it["data"]), it["name"])
                for it in payload["items"]]

    def remove_intermediates(self, job_id: str) -> None:
        """Drop inputs and chunk files once the result exists."""
        directory = self.job_dir(job_id)
        for pattern in ("input-*.json", "chunk-*.*", ".*.tmp"):
            for path in directory.glob(pattern):
                path.unlink(missing_ok=True)

    def remove_job(self, job_id: str) -> bool:
        directory = self.job_dir(job_id)
        if not directory.exists():
            return False
        shutil.rmtree(directory, ignore_errors=True)
        return True

    def job_ids_on_disk(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and JOB_ID.match(p.name))
