"""Single documents: DOCX and PDF render time per document (warm, median over many runs),
and the service's requests per second under a short, bounded local load."""

from __future__ import annotations

import concurrent.futures
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import ROOT, auth, describe, peak_rss_mb, sample, start_service, timed


def render_times(runs: int = 40) -> None:
    from service import registry
    from service.rendering import get_renderer, validate

    renderer = get_renderer(ROOT / "doc_templates")
    for doc_type in registry.document_types().values():
        if doc_type.id == "certificate":
            continue  # measured with the bulk renderer in bench.certificates
        data = validate(doc_type, sample(doc_type.id))
        for fmt in doc_type.formats:
            times = timed(
                lambda doc_type=doc_type, data=data, fmt=fmt: renderer.render(doc_type, data, fmt),
                runs,
            )
            print(f"{doc_type.id:24s} {fmt.value:4s} {describe(times)}")
    print(f"peak RSS of the rendering process: {peak_rss_mb():.0f} MB")


def load(seconds: float = 8.0, concurrency: int = 4) -> None:
    """Requests per second for /healthz and the directive PDF, bounded in time and count."""
    body = json.dumps(sample("directive")).encode()
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_service(Path(tmp))
        try:
            for label, make in (
                ("GET /healthz", lambda: urllib.request.Request(base + "/healthz")),
                ("POST directive.pdf", lambda: urllib.request.Request(
                    base + "/api/v1/documents/directive.pdf", data=body,
                    headers={"Content-Type": "application/json", **auth(base)})),
                ("POST directive.docx", lambda: urllib.request.Request(
                    base + "/api/v1/documents/directive.docx", data=body,
                    headers={"Content-Type": "application/json", **auth(base)})),
            ):
                latencies: list[float] = []
                statuses: dict[int, int] = {}
                deadline = time.monotonic() + seconds

                def worker(make=make, latencies=latencies, statuses=statuses,
                           deadline=deadline) -> None:
                    count = 0
                    while time.monotonic() < deadline and count < 5000:
                        started = time.perf_counter()
                        with urllib.request.urlopen(make(), timeout=60) as response:
                            response.read()
                            statuses[response.status] = statuses.get(response.status, 0) + 1
                        latencies.append(time.perf_counter() - started)
                        count += 1

                started = time.perf_counter()
                with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
                    list(pool.map(lambda _: worker(), range(concurrency)))
                elapsed = time.perf_counter() - started
                print(f"{label:22s} {len(latencies) / elapsed:7.1f} req/s, median latency "
                      f"{statistics.median(latencies) * 1000:.0f} ms, {concurrency} clients, "
                      f"{elapsed:.1f} s, statuses {statuses}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> None:
    render_times()
    load()


if __name__ == "__main__":
    main()
