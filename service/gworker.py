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
after its headers, gets 408 ``request_timeout`` (problem+json) and is closed; a body larger
than ``MAX_REQUEST_BYTES`` (announced, or received so far) gets 413 ``payload_too_large`` at
once. Both are answered from the event loop, which then reads and drops what the client still
sends for ``LINGER_S`` before closing (so the answer is not lost to a reset).
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import time
import uuid
from functools import partial
from selectors import EVENT_READ

from gunicorn import http
from gunicorn.workers.gthread import ThreadWorker

HEAD_LIMIT = 1024 * 1024  # past gunicorn's own header limits: its parser refuses the rest
RECV_BYTES = 256 * 1024
LINGER_S = 2.0            # after refusing a request, read and drop what the client still sends
BUFFERED_REQUESTS = 8     # bytes held for unfinished requests: at most this many largest bodies


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

    def too_large(self) -> bool:
        """The body is (or is announced) larger than any route accepts."""
        if self.body_start is None:
            return False
        received = len(self.buf) - self.body_start
        return received > self.max_body or (self.length or 0) > self.max_body

    def complete(self, body_timeout: float) -> bool:
        """Whether the request can go to a thread now: whole, or hopeless (a malformed or
        oversized head, which gunicorn's parser refuses from memory)."""
        if not self.headers_done(body_timeout):
            return len(self.buf) > HEAD_LIMIT
        if self.chunked:
            return self._chunks_done()
        return self.length is None or len(self.buf) - self.body_start >= self.length

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


class ReplaySocket:
    """The client socket as gunicorn's parser reads it: the bytes already received first
    (sliced, never copied whole again: a 32 MB body read 64 KiB at a time from one buffer
    cost seconds of copying), then the socket itself."""

    def __init__(self, sock) -> None:
        self.sock = sock
        self.pending = memoryview(b"")

    def feed(self, data: bytes) -> None:
        self.pending = memoryview(self.pending.tobytes() + data if self.pending else data)

    def take(self) -> bytes:
        rest, self.pending = self.pending.tobytes(), memoryview(b"")
        return rest

    def recv(self, size: int) -> bytes:
        if self.pending:
            piece, self.pending = self.pending[:size].tobytes(), self.pending[size:]
            return piece
        return self.sock.recv(size)

    def __getattr__(self, name: str):
        return getattr(self.sock, name)


def problem_bytes(problem) -> bytes:
    """A whole HTTP/1.1 response carrying ``problem`` in the service's one error shape."""
    request_id = uuid.uuid4().hex
    body = json.dumps({**problem.as_dict(), "request_id": request_id},
                      ensure_ascii=False).encode()
    reason = {408: b"Request Timeout", 413: b"Content Too Large",
              503: b"Service Unavailable"}.get(problem.status, b"Error")
    extra = b"".join(b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in problem.headers.items())
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/problem+json\r\n"
            b"X-Request-ID: %s\r\n%sConnection: close\r\nContent-Length: %d\r\n\r\n"
            % (problem.status, reason, request_id.encode(), extra, len(body))) + body


def timeout_response() -> bytes:
    from service.errors import Problem

    return problem_bytes(Problem(
        408, "request_timeout", "Yêu cầu gửi quá chậm",
        "Máy chủ không nhận đủ yêu cầu trong thời gian cho phép; kết nối đã đóng. Hãy gửi lại."))


def busy_response() -> bytes:
    from service.errors import Problem

    problem = Problem(503, "server_busy", "Máy chủ đang nhận quá nhiều dữ liệu",
                      "Máy chủ đang giữ quá nhiều yêu cầu chưa gửi xong; vui lòng gửi lại sau "
                      "ít giây.")
    problem.headers["Retry-After"] = "5"
    return problem_bytes(problem)


def too_large_response(limit: int) -> bytes:
    from service.errors import Problem

    return problem_bytes(Problem(413, "payload_too_large", "Dữ liệu gửi lên quá lớn",
                                 f"Kích thước yêu cầu vượt giới hạn {limit} byte."))


class BufferingWorker(ThreadWorker):
    """``gthread`` whose threads only ever see requests already read in full."""

    def init_process(self) -> None:
        from service.config import load

        settings = load()
        self.header_timeout = float(settings["REQUEST_HEADER_TIMEOUT_S"])
        self.body_timeout = float(settings["REQUEST_BODY_TIMEOUT_S"])
        self.max_body = int(settings["MAX_REQUEST_BYTES"])
        self.filling: dict = {}    # connection → PendingRequest
        self.lingering: dict = {}  # connection → when to close it
        self.held = 0              # bytes held for the requests being read
        super().init_process()

    def enqueue_req(self, conn) -> None:
        if self.cfg.is_ssl or conn.is_http2 or getattr(conn, "buffered", False):
            conn.buffered = False
            super().enqueue_req(conn)
            return
        early = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        pending = PendingRequest(early, time.monotonic() + self.header_timeout, self.max_body)
        conn.sock.setblocking(False)
        self.filling[conn] = pending
        self.held += len(early)
        self.poller.register(conn.sock, EVENT_READ, partial(self._on_readable, conn))
        self._progress(conn, pending, had_head=False)

    @staticmethod
    def _recv(conn) -> bytes | None:
        """What the socket holds now: None if nothing yet, b"" if the peer closed it."""
        try:
            return conn.sock.recv(RECV_BYTES)
        except BlockingIOError:
            return None
        except OSError:
            return b""

    def _on_readable(self, conn, _sock) -> None:
        pending = self.filling[conn]
        data = self._recv(conn)
        if data is None:
            return
        if not data:
            self._drop(conn)
            return
        had_head = pending.body_start is not None
        pending.feed(data)
        self.held += len(data)
        if self.held > BUFFERED_REQUESTS * self.max_body:
            self._refuse(conn, busy_response())
            return
        self._progress(conn, pending, had_head)

    def _progress(self, conn, pending: PendingRequest, had_head: bool) -> None:
        """Hand the request over once whole; refuse it once too large."""
        if pending.complete(self.body_timeout) and not pending.too_large():
            self.poller.unregister(conn.sock)
            self._release(conn)
            self._hand_over(conn, pending)
        elif pending.too_large():
            self._refuse(conn, too_large_response(self.max_body))
        elif pending.wants_continue and not had_head and pending.body_start is not None:
            self._send_quietly(conn, b"HTTP/1.1 100 Continue\r\n\r\n")

    def _hand_over(self, conn, pending: PendingRequest) -> None:
        if conn.parser is None:
            conn.replay = ReplaySocket(conn.sock)
            conn.parser = http.get_parser(self.cfg, conn.replay, conn.client)
        if getattr(conn, "replay", None) is None:  # a parser gunicorn made: as it reads
            conn.parser.unreader.unread(bytes(pending.buf))
        else:
            conn.replay.feed(bytes(pending.buf))
        conn.data_ready = True
        conn.buffered = True
        self.enqueue_req(conn)

    def finish_request(self, conn, fs) -> None:
        """Bytes received past the request just answered (a pipelined request) wait in the
        replay socket, where gunicorn does not look: move them where it does, so the next
        request is read now instead of waiting for the socket to become readable."""
        replay = getattr(conn, "replay", None)
        if replay is not None and replay.pending and conn.parser is not None:
            buf = conn.parser.unreader.buf
            buf.seek(0, io.SEEK_END)
            buf.write(replay.take())
        super().finish_request(conn, fs)

    def _release(self, conn) -> None:
        pending = self.filling.pop(conn, None)
        if pending is not None:
            self.held -= len(pending.buf)

    def _drop(self, conn) -> None:
        self._release(conn)
        self.lingering.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        self.nr_conns -= 1
        conn.close()

    def _refuse(self, conn, answer: bytes) -> None:
        """Answer from here, then linger: what the client still sends is read and dropped
        for LINGER_S, so closing does not reset the connection before it reads the answer."""
        self._release(conn)
        self._send_quietly(conn, answer)
        with contextlib.suppress(OSError):
            conn.sock.shutdown(socket.SHUT_WR)
        self.lingering[conn] = time.monotonic() + LINGER_S
        self.poller.modify(conn.sock, EVENT_READ, partial(self._on_lingering, conn))

    def _on_lingering(self, conn, _sock) -> None:
        if self._recv(conn) == b"":
            self._drop(conn)

    def _read_or_drop(self, conn, pending: PendingRequest) -> None:
        """While stopping, a kept-alive connection handed here when it turned readable holds a
        request the loop has not read yet: read it (it is then answered, with the drain that
        gunicorn runs before exiting) rather than close the connection under it."""
        data = self._recv(conn)
        if not data:  # nothing asked yet, or closed
            self._drop(conn)
            return
        pending.feed(data)
        self.held += len(data)
        self._progress(conn, pending, had_head=False)

    @staticmethod
    def _send_quietly(conn, data: bytes) -> None:
        with contextlib.suppress(OSError):
            conn.sock.send(data)

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn, pending in list(self.filling.items()):
            if pending.deadline < now:
                self._refuse(conn, timeout_response())
            elif not self.alive and not pending.buf:  # stopping: close it, unless a request
                self._read_or_drop(conn, pending)        # is already waiting in the socket
        for conn, deadline in list(self.lingering.items()):
            if deadline < now:
                self._drop(conn)
