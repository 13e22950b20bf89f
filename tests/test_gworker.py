"""The request buffering in front of gunicorn's threads (service/gworker.py): when a request
is whole, without a server."""

from __future__ import annotations

import pytest

from service.gworker import HEAD_LIMIT, PendingRequest, timeout_response


def pending(data: bytes, max_body: int = 1000) -> PendingRequest:
    return PendingRequest(data, 0.0, max_body)


@pytest.mark.parametrize(("data", "whole"), [
    (b"GET / HTTP/1.1\r\nHost: x\r\n", False),
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcd", False),
    (b"POST / HTTP/1.1\r\ncontent-length: 5\r\n\r\nabcde", True),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", False),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n", False),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", True),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n", True),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", True),  # gunicorn refuses
], ids=["head-cut", "no-body", "length-short", "length-whole", "chunk-short",
        "last-chunk-cut", "chunked-whole", "trailers", "bad-chunk-size"])
def test_whole_requests(data, whole):
    assert pending(data).complete(60) is whole


@pytest.mark.parametrize(("data", "too_large"), [
    (b"POST / HTTP/1.1\r\nContent-Length: 1001\r\n", False),  # not known until the head ends
    (b"POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", True),
    (b"POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + b"x" * 1000, False),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n" + b"x" * 1001, True),
], ids=["head-cut", "announced", "at-the-limit", "chunked-past-the-limit"])
def test_bodies_past_the_limit(data, too_large):
    request = pending(data)
    request.complete(60)
    assert request.too_large() is too_large


def test_arriving_in_pieces():
    request = pending(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n")
    pieces = [b"\r\n", b"5\r\nab", b"cde\r\n", b"0\r\n", b"\r\n"]
    seen = []
    for piece in pieces:
        request.feed(piece)
        seen.append(request.complete(60))
    assert seen == [False, False, False, False, True]


def test_a_head_that_never_ends_is_handed_to_gunicorn_to_refuse():
    assert not pending(b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 1000).complete(60)
    assert pending(b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * (HEAD_LIMIT // 6)).complete(60)


def test_the_timeout_answer_is_a_problem():
    import json

    head, _, body = timeout_response().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b"Content-Type: application/problem+json" in head
    problem = json.loads(body)
    assert (problem["status"], problem["code"]) == (408, "request_timeout")
    assert b"Content-Length: %d" % len(body) in head
    assert b"X-Request-ID: " + problem["request_id"].encode() in head


def test_a_buffered_body_is_read_back_in_pieces_without_copying_it_whole():
    from gunicorn.config import Config
    from gunicorn.http import get_parser

    from service.gworker import ReplaySocket

    class Closed:
        def recv(self, size):
            return b""

    body = bytes(range(256)) * 40_000  # 10 MB
    replay = ReplaySocket(Closed())
    replay.feed(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    request = next(get_parser(Config(), replay, ("127.0.0.1", 1)))
    pieces = []
    while piece := request.body.read(65536):
        pieces.append(piece)
        assert len(request.body.reader.unreader.buf.getvalue()) <= 2 * 1024 * 1024
    assert b"".join(pieces) == body
