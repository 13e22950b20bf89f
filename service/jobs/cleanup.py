"""Retention: remove the files of finished jobs after ``RESULT_TTL_HOURS``.

``python -m service cleanup`` runs it (from cron or a systemd timer); the service's
supervisor also runs it once an hour while it is running. A removed job keeps its record
(status, counts, errors); its result URL answers 410. Directories with no job record (a
submission interrupted between writing its input and recording the job) are removed after
the same time.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from service.db.base import utcnow
from service.jobs.files import JobFiles
from service.jobs.store import JobStore


@dataclass
class CleanupReport:
    jobs: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    bytes_freed: int = 0


def _size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def cleanup(store: JobStore, files: JobFiles, *, ttl_hours: float,
            now: datetime | None = None, dry_run: bool = False) -> CleanupReport:
    now = now or utcnow()
    before = now - timedelta(hours=ttl_hours)
    report = CleanupReport()
    for job in store.expired(before):
        directory = files.job_dir(job.id)
        if directory.exists():
            report.bytes_freed += _size(directory)
            if not dry_run:
                shutil.rmtree(directory, ignore_errors=True)
        if not dry_run:
            store.mark_files_removed(job.id)
        report.jobs.append(job.id)
    on_disk = files.job_ids_on_disk()
    known = store.known_ids(on_disk)
    cutoff = time.time() - ttl_hours * 3600
    for job_id in on_disk:
        directory = files.job_dir(job_id)
        if job_id in known or directory.stat().st_mtime >= cutoff:
            continue
        report.bytes_freed += _size(directory)
        if not dry_run:
            shutil.rmtree(directory, ignore_errors=True)
        report.orphans.append(job_id)
    return report
