"""Errorfiles read as haproxy 2.6 reads them at load (http_str_to_htx())."""

from __future__ import annotations

import pytest

from hacore.http.errorfile import ErrorFileError, ErrorFileReply, parse_errorfile


def test_the_course_file_is_an_unframed_http10_reply_that_asks_to_close() -> None:
    raw = (b"HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\n"
           b"Connection: close\r\nContent-Type: text/html\r\n\r\n<h1>503</h1>\n")
    assert parse_errorfile(raw) == ErrorFileReply(
        "1.0", 503, "Service Unavailable",
        (("cache-control", "no-cache"), ("connection", "close"), ("content-type", "text/html")),
        b"<h1>503</h1>\n", framed=False, close=True)


@pytest.mark.parametrize(("raw", "framed", "close"), [
    (b"HTTP/1.1 503 Busy\r\nContent-Length: 3\r\n\r\nabc", True, False),
    (b"HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", True,
     False),
    (b"HTTP/1.1 503 Busy\r\nConnection: Keep-Alive, Close\r\n\r\n", False, True),
    (b"HTTP/1.1 503 Busy\nX-A: 1\n\nabc", False, False),
])
def test_framing_and_close_are_read_from_the_file(raw: bytes, framed: bool, close: bool) -> None:
    reply = parse_errorfile(raw)
    assert reply is not None
    assert (reply.framed, reply.close) == (framed, close)


def test_an_empty_file_is_a_silent_close() -> None:
    assert parse_errorfile(b"") is None


@pytest.mark.parametrize(("raw", "problem"), [
    (b"HTTP/1.1 503 X\r\nA: b\r\n", "unable to parse headers"),
    (b"garbage\r\n\r\n", "unable to parse headers"),
    (b"HTTP/1.1 503 X\r\nBad Name: b\r\n\r\n", "unable to parse headers"),
    (b"HTTP/1.1 503 X\r\ncontent-length: 10\r\n\r\nabc",
     "payload size does not match the announced content-length (3 != 10)"),
])
def test_what_haproxy_refuses_at_load(raw: bytes, problem: str) -> None:
    with pytest.raises(ErrorFileError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_errorfile(raw)
