"""The dossier of a 3.000-row commendation decision: issue the decision, then make its
dossier (3.000 certificates in two award groups, their commendation register numbers, the
ZIP) with the embedded job runner on SQLite. Prints the time of each phase and the peak
memory of this process and its worker processes together (and of the largest one)."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.common import ROOT
from bench.jobs import MemoryWatch


def decision(rows: int) -> dict:
    import json

    payload = json.loads((ROOT / "samples" / "commendation_decision.json").read_text("utf-8"))
    entries = []
    for i in range(rows):
        entry = {"kind": "ca_nhan", "honorific": "ba" if i % 2 else "ong",
                 "name": f"Nguyễn Văn Người {i + 1:04d}", "position": "Giáo viên",
                 "unit": f"Trường THPT số {i % 40 + 1}", "award": None, "award_label": None,
                 "amount": None}
        if i % 5 == 4:
            entry.update(kind="tap_the", honorific=None, name=f"Tổ chuyên môn {i + 1:04d}",
                         position=None)
        if i % 3 == 2:
            entry["award"] = "bang_khen_bo_tinh"
        entries.append(entry)
    return {**payload, "number": None, "year": None, "entries": entries,
            "compute_rewards": False}


def run(rows: int, workers: int, chunk: int) -> None:
    from service import config, registry
    from service.jobs.dossier import submit_dossier
    from service.jobs.runner import JobService
    from service.register import RegisterStore

    with tempfile.TemporaryDirectory(prefix="bench-dossier-") as tmp:
        conf = config.load({"DATA_DIR": tmp, "JOB_WORKERS": workers, "CHUNK_SIZE": chunk,
                            "LOG_LEVEL": "WARNING"}, environ={})
        with MemoryWatch([os.getpid()]) as watch:
            started = time.perf_counter()
            register = RegisterStore(conf)
            doc = register.issue(registry.require("commendation_decision"), decision(rows),
                                 "bench")
            issued = time.perf_counter()
            service = JobService(conf)
            try:
                job = submit_dossier(service, register, doc.id, owner="bench").job
                queued = time.perf_counter()
                while not (job := service.store.get(job.id)).finished:
                    time.sleep(0.1)
                done = time.perf_counter()
            finally:
                service.close()
            size = Path(service.files.result_path(job.id, job.output)).stat().st_size
    biggest = max((rss for _name, rss in watch.peaks.values()), default=0.0)
    print(f"rows {rows}, workers {workers}, chunk {chunk}: job {job.status}")
    print(f"  issue the decision (list of {rows} rows, DOCX + PDF): {issued - started:6.1f} s")
    print(f"  validate {rows} certificates, reserve numbers, queue: {queued - issued:6.1f} s")
    print(f"  render and assemble the dossier ZIP:              {done - queued:6.1f} s "
          f"({rows / (done - queued):.0f} certificates/s)")
    print(f"  total:                                            {done - started:6.1f} s")
    print(f"  ZIP: {size / 1e6:.1f} MB; peak memory: {watch.total_peak:.0f} MB all processes, "
          f"{biggest:.0f} MB the largest one")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dossier", description=__doc__)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--chunk", type=int, default=100)
    args = parser.parse_args(argv)
    run(args.rows, args.workers, args.chunk)


if __name__ == "__main__":
    main()
