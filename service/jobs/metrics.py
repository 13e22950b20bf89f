"""Batch-job metrics for ``/metrics``, read from the job database at scrape time.

Jobs finish in whichever process runs their merge step: an embedded worker process, a Celery
worker on another machine; and the service itself may run as several gunicorn workers, each
with its own Prometheus registry. A histogram observed "in the process that sees the job
finish" would therefore be split over processes that are not scraped (the workers) or that a
scrape reaches at random (the gunicorn workers). The database is the one place that sees
every job, so every number here is computed from it at scrape time, and every process reports
the same values.

``thidua_batch_jobs{status}``
    gauge: jobs in the database by status (queued, running, succeeded, failed, cancelled)
``thidua_batch_chunks{status}``
    gauge: render chunks by status (pending, running, done, failed, cancelled)
``thidua_batch_queue_items``
    gauge: items waiting or rendering (of queued and running jobs; what back-pressure counts)
``thidua_batch_queue_max_items``
    gauge: ``QUEUE_MAX_ITEMS`` (a batch that would pass it gets 503)
``thidua_batch_job_duration_seconds{status}``
    histogram: run time, start to finish, of finished jobs (succeeded, failed, cancelled)
``thidua_batch_store_up``
    gauge: 1 when the job database answered this scrape (0: the numbers above are missing)

The histogram's counts only grow as jobs finish (job rows are kept when their files are
cleaned up), so ``rate()`` and ``histogram_quantile()`` work on it as on any histogram.
"""

from __future__ import annotations

import logging

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from service.db.jobs import FINISHED, JOB_STATUSES, STEP_STATUSES

log = logging.getLogger(__name__)

DURATION_BUCKETS = (1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0)


class JobsCollector:
    """A Prometheus collector over a :class:`~service.jobs.runner.JobService`'s store."""

    def __init__(self, service) -> None:
        self.service = service

    def describe(self):
        return []  # collected at scrape time only (no query when the collector is registered)

    def collect(self):
        up = GaugeMetricFamily("thidua_batch_store_up",
                               "1 when the job database answered this scrape")
        try:
            stats = self.service.store.stats(DURATION_BUCKETS)
        except SQLAlchemyError as exc:
            log.error("job metrics unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        jobs = GaugeMetricFamily("thidua_batch_jobs", "Batch jobs by status",
                                 labels=["status"])
        for status in JOB_STATUSES:
            jobs.add_metric([status], stats.jobs.get(status, 0))
        yield jobs
        chunks = GaugeMetricFamily("thidua_batch_chunks", "Render chunks of batch jobs by status",
                                   labels=["status"])
        for status in STEP_STATUSES:
            chunks.add_metric([status], stats.chunks.get(status, 0))
        yield chunks
        yield GaugeMetricFamily("thidua_batch_queue_items",
                                "Items waiting or rendering (queued and running jobs)",
                                value=stats.queue_items)
        yield GaugeMetricFamily("thidua_batch_queue_max_items",
                                "QUEUE_MAX_ITEMS: a batch that would pass it gets 503",
                                value=int(self.service.settings["QUEUE_MAX_ITEMS"]))
        durations = HistogramMetricFamily("thidua_batch_job_duration_seconds",
                                          "Run time of finished batch jobs, start to finish",
                                          labels=["status"])
        for status in FINISHED:
            counts, count, total = stats.durations.get(
                status, ([0] * len(DURATION_BUCKETS), 0, 0.0))
            buckets = [(_le(bound), n) for bound, n in zip(DURATION_BUCKETS, counts,
                                                           strict=True)]
            buckets.append(("+Inf", count))
            durations.add_metric([status], buckets, sum_value=total)
        yield durations


def _le(bound: float) -> str:
    return repr(float(bound))
