"""Submitting a batch to a running service and following it: what ``python -m service
batch … --server URL`` uses. Standard library only (urllib), so any machine with the project
can drive a remote service.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from service.errors import FieldError, Problem

FINISHED = ("succeeded", "done_with_errors", "failed", "cancelled")


class RemoteError(Exception):
    """The service could not be reached or answered something unexpected."""


def _problem_from(body: bytes, status: int) -> Problem:
    try:
        data = json.loads(body)
    except ValueError:
        return Problem(status, "http_error", f"HTTP {status}", body[:200].decode(errors="replace"))
    errors = [FieldError(e.get("pointer", ""), e.get("code", ""), e.get("message", ""),
                         row=e.get("row"), column=e.get("column"))
              for e in data.get("errors", []) if isinstance(e, Mapping)]
    return Problem(status, data.get("code", "http_error"), data.get("title", f"HTTP {status}"),
                   data.get("detail", ""), errors)


class BatchClient:
    def __init__(self, server: str, *, timeout: float = 60.0,
                 headers: Mapping[str, str] | None = None) -> None:
        self.server = server.rstrip("/")
        self.timeout = timeout
        self.headers = dict(headers or {})

    def _request(self, method: str, path: str, *, data: bytes | None = None,
                 headers: Mapping[str, str] | None = None):
        url = path if path.startswith(("http://", "https://")) else self.server + path
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={**self.headers, **(headers or {})})
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            raise _problem_from(exc.read(), exc.code) from None
        except (urllib.error.URLError, OSError) as exc:
            raise RemoteError(f"không kết nối được {self.server}: {exc}") from None

    def _json(self, method: str, path: str, **kw) -> Any:
        with self._request(method, path, **kw) as response:
            return json.loads(response.read())

    def submit(self, document_type: str, output: str, common: Mapping[str, Any], *,
               items: list | None = None, file: Path | None = None,
               idempotency_key: str | None = None) -> dict:
        """POST /api/v1/batches (JSON with ``items``, or multipart with ``file``)."""
        headers = {"Idempotency-Key": idempotency_key or uuid.uuid4().hex}
        if file is None:
            body = json.dumps({"document_type": document_type, "output": output,
                               "common": dict(common), "items": items or []},
                              ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        else:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in (("document_type", document_type), ("output", output),
                                ("common", json.dumps(dict(common), ensure_ascii=False))):
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                             f"\r\n\r\n{value}\r\n".encode())
            filename = Path(file).name.replace('"', "")
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                         f'filename="{filename}"\r\nContent-Type: application/octet-stream'
                         f"\r\n\r\n".encode() + Path(file).read_bytes() + b"\r\n")
            parts.append(f"--{boundary}--\r\n".encode())
            body = b"".join(parts)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        # A retry after a lost answer sends the same key: the service returns the same job.
        for attempt in range(3):
            try:
                return self._json("POST", "/api/v1/batches", data=body, headers=headers)
            except RemoteError:
                if attempt == 2:
                    raise
                time.sleep(1 + attempt)
        raise AssertionError("unreachable")

    def status(self, job_id: str) -> dict:
        return self._json("GET", f"/api/v1/batches/{job_id}")

    def cancel(self, job_id: str) -> dict:
        return self._json("POST", f"/api/v1/batches/{job_id}/cancel", data=b"")

    def follow(self, job_id: str, on_progress: Callable[[dict], None] | None = None, *,
               interval: float = 0.5) -> dict:
        """Poll until the job finishes; ``on_progress(job)`` whenever ``done`` changes."""
        seen = None
        while True:
            job = self.status(job_id)
            if on_progress is not None and (job["done"], job["status"]) != seen:
                seen = (job["done"], job["status"])
                on_progress(job)
            if job["status"] in FINISHED:
                return job
            time.sleep(interval)

    def download(self, job: Mapping[str, Any], dest: Path) -> int:
        """Stream the result to ``dest`` (through a temporary file); returns its size."""
        tmp = Path(dest).with_name(f".{Path(dest).name}.part")
        size = 0
        try:
            with self._request("GET", job["result_url"]) as response, open(tmp, "wb") as out:
                while block := response.read(1 << 20):
                    out.write(block)
                    size += len(block)
            tmp.replace(dest)
        finally:
            tmp.unlink(missing_ok=True)
        return size
