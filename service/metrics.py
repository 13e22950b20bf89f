"""Prometheus metrics at ``/metrics`` (admins only, unless ``METRICS_PUBLIC``): requests by
route and status, render time by document type and format, and what other parts add through
:func:`add_collector` (batch jobs: ``service/jobs/metrics.py``, read from the job database at
scrape time so that every process reports the same numbers).

Each app has its own registry, so tests can build many apps in one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

RENDER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
EXTENSION = "thidua_metrics"
PENDING = "thidua_metrics_collectors"  # collectors added before init_app


class Metrics:
    """The metric objects of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("thidua_http_requests_total", "HTTP requests",
                                ("route", "method", "status"), registry=self.registry)
        self.latency = Histogram("thidua_http_request_seconds", "HTTP request duration",
                                 ("route",), registry=self.registry)
        self.render = Histogram("thidua_render_seconds", "Time to render one document",
                                ("doc_type", "format"), buckets=RENDER_BUCKETS,
                                registry=self.registry)

    def gauge(self, name: str, help_text: str, read: Callable[[], float],
              labels: tuple[str, ...] = ()) -> Gauge:
        """A gauge whose value is read at scrape time."""
        gauge = Gauge(name, help_text, labels, registry=self.registry)
        if not labels:
            gauge.set_function(read)
        return gauge

    def add(self, collector) -> None:
        """A collector (``collect()`` yielding metric families) read at every scrape."""
        self.registry.register(collector)

    def observe_render(self, doc_type: str, fmt: str, seconds: float) -> None:
        self.render.labels(doc_type, fmt).observe(seconds)


def add_collector(app: Flask, collector) -> None:
    """Register ``collector`` with ``app``'s metrics, now or when :func:`init_app` runs."""
    metrics = app.extensions.get(EXTENSION)
    if metrics is not None:
        metrics.add(collector)
    else:
        app.extensions.setdefault(PENDING, []).append(collector)


def init_app(app: Flask) -> Metrics:
    metrics = Metrics()
    app.extensions[EXTENSION] = metrics
    for collector in app.extensions.pop(PENDING, []):
        metrics.add(collector)

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        metrics.requests.labels(route, request.method, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            metrics.latency.labels(route).observe(time.perf_counter() - started)
        return response

    def prometheus_metrics() -> Response:
        """Prometheus text format (admins only, unless ``METRICS_PUBLIC``)."""
        return Response(generate_latest(metrics.registry), mimetype=CONTENT_TYPE_LATEST)

    from service.auth.guard import admin_required, public

    access = public if app.config.get("METRICS_PUBLIC") else admin_required
    app.get("/metrics")(access(prometheus_metrics))

    return metrics
