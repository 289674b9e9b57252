"""Response heads haproxy 2.6 normalises where llhttp refuses them (h1_headers_to_hdr_list()
reads both directions; the expected bytes are what haproxy 2.6.12 sent the client)."""

from __future__ import annotations

import pytest

from hacore.http.h1_response import normalise_response

BODY = b"ok"


@pytest.mark.parametrize(("raw", "expected"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n",
     b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nX-B: 1\r\n\r\n",
     b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-b: 1\r\n\r\n"),
    (b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\n",
     b"HTTP/1.1 200 OK\r\nx-a: a   b\r\ncontent-length: 2\r\n\r\n"),
    (b"HTTP/1.1 200 OK\r\nX-A: a\r\n\tb\r\n\t c\r\nContent-Length: 2\r\n\r\n",
     b"HTTP/1.1 200 OK\r\nx-a: a  \tb  \t c\r\ncontent-length: 2\r\n\r\n"),
    (b"HTTP/1.1 200 OK\nX-A: a\n b\n\n", b"HTTP/1.1 200 OK\r\nx-a: a  b\r\n\r\n"),
], ids=["equal-lengths", "length-list", "obs-fold", "obs-fold-tabs", "bare-lf-fold"])
def test_a_head_is_rebuilt_as_haproxy_forwards_it(raw: bytes, expected: bytes) -> None:
    assert normalise_response(raw + BODY, 0) == expected + BODY


def test_interim_heads_already_sent_are_left_out() -> None:
    interim = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    final = b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n"
    assert normalise_response(interim + final, 1) == b"HTTP/1.1 200 OK\r\nx-a: a   b\r\n\r\n"
    assert normalise_response(interim + final, 0) == (
        b"HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n" + final)


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",  # haproxy: 502
    b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\n X-A: a\r\n\r\n",  # a fold with nothing to fold into
    b"HTTP/1.1 200 OK\r\nX A: a\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n",
    b"HTTP/1.1 abc OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-A: a\r\n",  # not whole yet
], ids=["different-lengths", "different-list", "negative", "first-line-fold", "bad-name",
        "bare-cr", "bad-status", "incomplete"])
def test_what_haproxy_refuses_stays_refused(raw: bytes) -> None:
    assert normalise_response(raw, 0) is None
