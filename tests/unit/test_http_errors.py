"""Error responses as haproxy 2.6.12 sent them to a raw client (captured on loopback)."""

from __future__ import annotations

from hacore.http.errors import ERRORS


def test_503_bytes() -> None:
    assert ERRORS[503] == (
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache"
        b"\r\ncontent-type: text/html\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\n"
        b"No server is available to handle this request.\n</body></html>\n")


def test_504_and_502_bytes() -> None:
    assert ERRORS[504].startswith(b"HTTP/1.1 504 Gateway Time-out\r\ncontent-length: 92\r\n")
    assert ERRORS[502].startswith(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 107\r\n")


def test_400_is_the_legacy_message() -> None:
    assert ERRORS[400] == (
        b"HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\n"
        b"Connection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad request"
        b"</h1>\nYour browser sent an invalid request.\n</body></html>\n")
    assert ERRORS[408].startswith(b"HTTP/1.1 408 Request Time-out\r\nContent-length: 110\r\n")
    assert ERRORS[403].endswith(b"Request forbidden by administrative rules.\n</body></html>\n")
