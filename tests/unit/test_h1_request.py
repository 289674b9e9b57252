"""The HAProxy-compatible request parser on its own: exact limits (measured against haproxy
2.6.12: 100 header lines, a head cost of 15291 with the default buffer), and, for any bytes
at all, only a parse or a HeadError / ChunkError (bad input never escapes as a crash)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hacore.http.chunked import ChunkedDecoder, ChunkError
from hacore.http.h1_request import (
    HeadError,
    HeadLimits,
    check_partial_head,
    content_length,
    parse_request_head,
)

LIMITS = HeadLimits()


def head(lines: list[bytes]) -> bytes:
    return b"\r\n".join(lines) + b"\r\n\r\n"


@pytest.mark.parametrize(("count", "accepted"), [(99, True), (100, False)])
def test_header_count_limit(count: int, accepted: bool) -> None:
    """Host plus `count` more: 100 lines in all pass, 101 are refused (tune.http.maxhdr)."""
    raw = head([b"GET / HTTP/1.1", b"Host: a", *(b"x-h%d: v" % i for i in range(count))])
    if accepted:
        parse_request_head(raw, LIMITS)
    else:
        with pytest.raises(HeadError):
            parse_request_head(raw, LIMITS)


@pytest.mark.parametrize(("size", "accepted"), [(15237, True), (15238, False)])
def test_head_cost_limit(size: int, accepted: bool) -> None:
    """`GET /`, Host and one big header: a 15237-byte value is the largest haproxy takes."""
    raw = head([b"GET / HTTP/1.1", b"Host: a", b"x-big: " + b"a" * size])
    if accepted:
        parse_request_head(raw, LIMITS)
    else:
        with pytest.raises(HeadError):
            parse_request_head(raw, LIMITS)


@pytest.mark.parametrize(("value", "expected"), [
    ("5", 5), ("005", 5), ("5, 5", 5), ("5 ,5", 5), ("5, 6", None), ("5,", None),
    ("+5", None), ("0x5", None), ("", None), ("99999999999999999999", None),
    ("9223372036854775808", None), ("18446744073709551616", 0), ("18446744073709551615", -1),
])
def test_content_length_as_haproxy_reads_it(value: str, expected: int | None) -> None:
    assert content_length(value) == expected


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_any_head_is_parsed_or_refused(data: bytes) -> None:
    try:
        parse_request_head(data + b"\r\n\r\n", LIMITS)
    except HeadError as error:
        assert error.status in (400, 413, 422)
    try:
        check_partial_head(data)
    except HeadError as error:
        assert error.status == 400


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"GET", b"POST", b" ", b"/", b"HTTP/1.1", b"HTTP/1.0",
                                 b"\r\n", b"\n", b"Host: a", b":", b"Content-Length: 5",
                                 b"Transfer-Encoding: chunked", b", ", b"\t", b"\x00",
                                 b"Connection: upgrade", b"Upgrade: websocket", b"http://a:80/"]),
                max_size=30))
def test_request_shaped_bytes_are_parsed_or_refused(parts: list[bytes]) -> None:
    with contextlib.suppress(HeadError):
        parse_request_head(b"".join(parts) + b"\r\n\r\n", LIMITS)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=8))
def test_any_chunked_body_is_decoded_or_refused(pieces: list[bytes]) -> None:
    decoder = ChunkedDecoder()
    try:
        for piece in pieces:
            decoder.feed(piece)
    except ChunkError:
        pass


@pytest.mark.parametrize(("trailers", "expected"), [
    (b"x-t: 1\r\n folded\r\n", [("x-t", "1   folded")]),
    (b"X-T: 1\r\n\tf2  \r\nx-b:2\r\n", [("x-t", "1  \tf2"), ("x-b", "2")]),
    (b"x t: a\x01b\r\n", [("x t", "a\x01b")]),
])
def test_request_trailers_are_read_as_haproxy(trailers: bytes,
                                              expected: list[tuple[str, str]]) -> None:
    decoder = ChunkedDecoder()
    assert decoder.feed(b"3\r\nabc\r\n0\r\n" + trailers + b"\r\nnext") == b"abc"
    assert (decoder.trailers, decoder.rest) == (expected, b"next")


@pytest.mark.parametrize("trailers", [b": v\r\n", b"nocolon\r\n", b" lead: x\r\n"])
def test_bad_request_trailers_are_refused(trailers: bytes) -> None:
    with pytest.raises(ChunkError):
        ChunkedDecoder().feed(b"0\r\n" + trailers + b"\r\n")
