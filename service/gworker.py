"""gunicorn's threaded worker, with whole requests read before a thread takes them.

gunicorn's ``gthread`` worker hands a connection to a worker thread as soon as its first bytes
arrive; the thread then reads the headers and the body with blocking reads. Twelve clients
sending one header line every 5 s held all eight threads of ``python -m service serve``, and
nothing was answered for as long as they dripped.

:class:`BufferingWorker` reads every request in the worker's event loop instead (the
selector gunicorn already runs for kept-alive connections): bytes are collected without
blocking until the headers and the whole body (``Content-Length`` or chunked) are in memory,
and only then does a thread parse and answer it, from memory. A slow client holds a socket
and its bytes, never a thread. A request whose headers are not complete
``REQUEST_HEADER_TIMEOUT_S`` after the connection opened (or after the first byte of a kept-
alive connection's next request), or whose body is not complete ``REQUEST_BODY_TIMEOUT_S``
after its headers, gets 408 ``request_timeout`` (problem+json) and is closed. Bodies larger
than ``MAX_REQUEST_BYTES`` are handed over as soon as their headers are read: the app answers
413 without reading them.
"""

from __future__ import annotations

import contextlib
import json
import time
from functools import partial
from selectors import EVENT_READ

from gunicorn import http
from gunicorn.workers.gthread import ThreadWorker

HEAD_LIMIT = 1024 * 1024  # past gunicorn's own header limits: its parser refuses the rest
RECV_BYTES = 256 * 1024


class PendingRequest:
    """The bytes of one request received so far, and whether they are the whole of it."""

    def __init__(self, data: bytes, header_deadline: float, max_body: int) -> None:
        self.buf = bytearray(data)
        self.deadline = header_deadline
        self.max_body = max_body
        self.body_start: int | None = None
        self.length: int | None = None      # Content-Length; None: chunked or no body
        self.chunked = False
        self.cursor = 0                     # chunked: where the next chunk's size line starts
        self.wants_continue = False

    def feed(self, data: bytes) -> None:
        self.buf += data

    def headers_done(self, body_timeout: float) -> bool:
        """Parse the head once it is complete; True from then on."""
        if self.body_start is not None:
            return True
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        self.body_start = self.cursor = end + 4
        self.deadline = time.monotonic() + body_timeout
        for line in bytes(self.buf[:end]).split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"transfer-encoding" and b"chunked" in value:
                self.chunked = True
            elif name == b"content-length" and value.isdigit():
                self.length = int(value)
            elif name == b"expect" and value == b"100-continue":
                self.wants_continue = True
        return True

    def complete(self, body_timeout: float) -> bool:
        """Whether the request can go to a thread now: whole, or hopeless (an oversized or
        malformed head or body, which gunicorn's parser or the app refuse from memory)."""
        if not self.headers_done(body_timeout):
            return len(self.buf) > HEAD_LIMIT
        received = len(self.buf) - self.body_start
        if received > self.max_body:
            return True
        if self.chunked:
            return self._chunks_done()
        return self.length is None or self.length > self.max_body or received >= self.length

    def _chunks_done(self) -> bool:
        while True:
            line_end = self.buf.find(b"\r\n", self.cursor)
            if line_end < 0:
                return len(self.buf) - self.cursor > 1024  # a size line that never ends
            try:
                size = int(bytes(self.buf[self.cursor:line_end]).split(b";")[0], 16)
            except ValueError:
                return True
            if size == 0:  # the last chunk, then trailers up to an empty line
                rest = self.buf[line_end + 2:]
                return rest.startswith(b"\r\n") or rest.find(b"\r\n\r\n") >= 0
            following = line_end + 2 + size + 2
            if following > len(self.buf):
                return False
            self.cursor = following


def timeout_response() -> bytes:
    from service.errors import Problem

    problem = Problem(408, "request_timeout", "Yêu cầu gửi quá chậm",
                      "Máy chủ không nhận đủ yêu cầu trong thời gian cho phép; kết nối đã đóng. "
                      "Hãy gửi lại.")
    body = json.dumps(problem.as_dict(), ensure_ascii=False).encode()
    return (b"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/problem+json\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)) + body


class BufferingWorker(ThreadWorker):
    """``gthread`` whose threads only ever see requests already read in full."""

    def init_process(self) -> None:
        from service.config import load

        settings = load()
        self.header_timeout = float(settings["REQUEST_HEADER_TIMEOUT_S"])
        self.body_timeout = float(settings["REQUEST_BODY_TIMEOUT_S"])
        self.max_body = int(settings["MAX_REQUEST_BYTES"])
        self.filling: dict = {}  # connection → PendingRequest
        super().init_process()

    def enqueue_req(self, conn) -> None:
        if self.cfg.is_ssl or conn.is_http2 or getattr(conn, "buffered", False):
            conn.buffered = False
            super().enqueue_req(conn)
            return
        held = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        pending = PendingRequest(held, time.monotonic() + self.header_timeout, self.max_body)
        if pending.complete(self.body_timeout):
            self._hand_over(conn, pending)
            return
        conn.sock.setblocking(False)
        self.filling[conn] = pending
        self.poller.register(conn.sock, EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn, _sock) -> None:
        pending = self.filling[conn]
        try:
            data = conn.sock.recv(RECV_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        had_head = pending.body_start is not None
        pending.feed(data)
        if pending.complete(self.body_timeout):
            self.poller.unregister(conn.sock)
            del self.filling[conn]
            self._hand_over(conn, pending)
        elif pending.wants_continue and not had_head and pending.body_start is not None:
            self._send_quietly(conn, b"HTTP/1.1 100 Continue\r\n\r\n")

    def _hand_over(self, conn, pending: PendingRequest) -> None:
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(bytes(pending.buf))
        conn.data_ready = True
        conn.buffered = True
        self.enqueue_req(conn)

    def _drop(self, conn, answer: bytes = b"") -> None:
        self.filling.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        if answer:
            self._send_quietly(conn, answer)
        self.nr_conns -= 1
        conn.close()

    @staticmethod
    def _send_quietly(conn, data: bytes) -> None:
        with contextlib.suppress(OSError):
            conn.sock.send(data)

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn, pending in list(self.filling.items()):
            if pending.deadline < now:
                self._drop(conn, timeout_response())
            elif not self.alive and not pending.buf:  # stopping: nothing was asked yet
                self._drop(conn)
