"""Slow clients against the real ``python -m service serve`` (no proxy in front): fifty
connections that drip their headers and fifty that drip their bodies must not keep normal
requests waiting, and a connection that never finishes its request is closed."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time

import pytest

from tests.support.processes import ServiceProcess, http_json

DRIPPERS = 50
DRIP_EVERY_S = 1.0
ANSWERED_WITHIN_S = 2.0


class Drippers:
    """``count`` connections that each send one more piece of their request every
    ``DRIP_EVERY_S`` (a header line, or a byte of a body they announced), in one thread."""

    def __init__(self, port: int, count: int, kind: str) -> None:
        self.port, self.count, self.kind = port, count, kind
        self.sockets: list[socket.socket] = []
        self.closed = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._drip, daemon=True)

    def _start_of_request(self) -> bytes:
        if self.kind == "headers":
            return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        return (b"POST /api/v1/documents/certificate.pdf HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")

    def __enter__(self) -> Drippers:
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(self._start_of_request())
            self.sockets.append(sock)
        self.thread.start()
        return self

    def _drip(self) -> None:
        piece = b"X-Slow: 1\r\n" if self.kind == "headers" else b" "
        while not self.stop.wait(DRIP_EVERY_S):
            for sock in list(self.sockets):
                try:
                    sock.sendall(piece)
                except OSError:  # the server closed it
                    self.sockets.remove(sock)
                    sock.close()
                    self.closed += 1

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(10)
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


def _timed(method: str, url: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        status, _, _ = http_json(method, url, timeout=ANSWERED_WITHIN_S + 3)
    except OSError:  # a timeout: not answered
        return -1, time.monotonic() - started
    return status, time.monotonic() - started


@pytest.fixture
def service(tmp_path):
    started = ServiceProcess(tmp_path / "data").start()
    yield started
    started.stop()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_normal_requests_are_answered_while_slow_clients_drip(service):
    with Drippers(service.port, DRIPPERS, "headers"), Drippers(service.port, DRIPPERS, "body"):
        time.sleep(2 * DRIP_EVERY_S)  # every slow connection has been accepted and dripped
        for _ in range(3):
            for url in (service.base + "/healthz", service.base + "/api/v1/batches"):
                status, took = _timed("GET", url)
                assert status == 200, f"{url}: not answered ({took:.1f} s)"
                assert took < ANSWERED_WITHIN_S, f"{url} took {took:.1f} s"
            time.sleep(DRIP_EVERY_S)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_request_that_never_finishes_is_closed(tmp_path):
    env = {"THIDUA_REQUEST_HEADER_TIMEOUT_S": "3", "THIDUA_REQUEST_BODY_TIMEOUT_S": "4"}
    service = ServiceProcess(tmp_path / "data", env).start()
    try:
        with Drippers(service.port, 5, "headers") as headers, \
                Drippers(service.port, 5, "body") as bodies:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and headers.closed + bodies.closed < 10:
                time.sleep(0.5)
            assert (headers.closed, bodies.closed) == (5, 5)
    finally:
        service.stop()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_timed_out_request_gets_the_problem_shape(tmp_path):
    import json

    env = {"THIDUA_REQUEST_HEADER_TIMEOUT_S": "2"}
    service = ServiceProcess(tmp_path / "data", env).start()
    try:
        with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), head
        assert b"application/problem+json" in head
        problem = json.loads(body)
        assert problem["code"] == "request_timeout"
        assert problem["status"] == 408
        assert problem["request_id"]
    finally:
        service.stop()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_body_past_the_limit_is_refused_without_waiting_for_it(tmp_path):
    import json

    service = ServiceProcess(tmp_path / "data", {"THIDUA_MAX_REQUEST_BYTES": "100000"}).start()
    try:
        with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
            sock.sendall(b"POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 500000\r\n\r\n{")
            started = time.monotonic()
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
            assert time.monotonic() - started < 5
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413"), head
        problem = json.loads(body)
        assert problem["code"] == "payload_too_large"
        assert "100000" in problem["detail"]
    finally:
        service.stop()


def _exchange(port: int, request: bytes, responses: int = 1) -> list[bytes]:
    """Send ``request`` (possibly several pipelined) and read ``responses`` status lines."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        received = b""
        while received.count(b"HTTP/1.1 2") + received.count(b"HTTP/1.1 4") < responses:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return re.findall(rb"HTTP/1\.1 \d{3} [^\r]*", received)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_bodies_of_every_framing_still_reach_the_app(service):
    from tests.conftest import SAMPLES

    body = (SAMPLES / "certificate.json").read_bytes()
    auth = f"Authorization: Bearer {service.token}\r\n".encode()
    head = (b"POST /api/v1/documents/certificate.docx HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
            + b"Content-Type: application/json\r\n")
    length = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    assert _exchange(service.port, length) == [b"HTTP/1.1 200 OK"]
    half = len(body) // 2
    chunked = (head + b"Transfer-Encoding: chunked\r\n\r\n"
               + b"%x\r\n" % half + body[:half] + b"\r\n"
               + b"%x;ext=1\r\n" % (len(body) - half) + body[half:] + b"\r\n0\r\n\r\n")
    assert _exchange(service.port, chunked) == [b"HTTP/1.1 200 OK"]
    expect = head + b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    assert _exchange(service.port, expect)[-1] == b"HTTP/1.1 200 OK"
    pipelined = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + length
    assert _exchange(service.port, pipelined, 2) == [b"HTTP/1.1 200 OK"] * 2


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_request_pipelined_behind_a_large_body_is_answered(service):
    from tests.conftest import SAMPLES

    body = (SAMPLES / "certificate.json").read_bytes().rstrip() + b" " * 200_000
    auth = f"Authorization: Bearer {service.token}\r\n".encode()
    first = (b"POST /api/v1/documents/certificate.docx HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
             + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    second = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    started = time.monotonic()
    statuses = _exchange(service.port, first + second, 2)
    assert statuses == [b"HTTP/1.1 200 OK"] * 2
    assert time.monotonic() - started < 10


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_memory_held_for_unfinished_bodies_is_bounded(tmp_path):
    """Bodies are held in memory until whole: past eight of the largest allowed, a client
    still sending gets 503 server_busy instead of the service growing without end."""
    from service.gworker import BUFFERED_REQUESTS

    limit = 100_000
    service = ServiceProcess(tmp_path / "data", {"THIDUA_MAX_REQUEST_BYTES": str(limit)}).start()
    sockets = []
    try:
        head = (b"POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % limit)
        for _ in range(BUFFERED_REQUESTS + 3):
            sock = socket.create_connection(("127.0.0.1", service.port), timeout=10)
            sock.sendall(head + b" " * (limit - 10))  # all but the last bytes
            sockets.append(sock)
        time.sleep(1)
        answers = []
        for sock in sockets:
            sock.settimeout(0.5)
            try:
                answers.append(sock.recv(65536).split(b"\r\n", 1)[0])
            except TimeoutError:
                answers.append(b"")  # still waiting for its body, as it should
        busy = [a for a in answers if a.startswith(b"HTTP/1.1 503")]
        assert 3 <= len(busy) <= 4, answers  # the heads count too: the eighth may not fit
        assert answers.count(b"") == len(answers) - len(busy), answers
        status, _, _ = http_json("GET", service.base + "/healthz", timeout=5)
        assert status == 200
    finally:
        for sock in sockets:
            sock.close()
        service.stop()
