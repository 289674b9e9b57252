"""HAProxy 2.6's built-in error responses, byte for byte (captured from haproxy 2.6.12:
502/503/504/403 come from its HTX generator with lowercase header names, 400/408/413/422
from the raw legacy messages, 413 and 422 without `Connection: close` though the connection
closes after them). `errorfile` replaces them verbatim."""

from __future__ import annotations


def _htx(status: str, body: str) -> bytes:
    encoded = body.encode()
    return (f"HTTP/1.1 {status}\r\ncontent-length: {len(encoded)}\r\n"
            "cache-control: no-cache\r\ncontent-type: text/html\r\n\r\n").encode() + encoded


def _legacy(status: str, body: str, close: bool = True) -> bytes:
    encoded = body.encode()
    connection = "Connection: close\r\n" if close else ""
    return (f"HTTP/1.1 {status}\r\nContent-length: {len(encoded)}\r\n"
            f"Cache-Control: no-cache\r\n{connection}Content-Type: text/html\r\n\r\n"
            ).encode() + encoded


def _page(title: str, text: str) -> str:
    return f"<html><body><h1>{title}</h1>\n{text}\n</body></html>\n"


ERRORS: dict[int, bytes] = {
    400: _legacy("400 Bad request", _page("400 Bad request",
                                           "Your browser sent an invalid request.")),
    403: _htx("403 Forbidden", _page("403 Forbidden",
                                     "Request forbidden by administrative rules.")),
    413: _legacy("413 Payload Too Large", _page(
        "413 Payload Too Large", "The request entity exceeds the maximum allowed."), close=False),
    422: _legacy("422 Unprocessable Content", _page(
        "422 Unprocessable Content", "The server cannot process the contained instructions."),
        close=False),
    408: _legacy("408 Request Time-out", _page(
        "408 Request Time-out", "Your browser didn't send a complete request in time.")),
    500: _htx("500 Internal Server Error", _page(
        "500 Internal Server Error", "An internal server error occurred.")),
    502: _htx("502 Bad Gateway", _page(
        "502 Bad Gateway", "The server returned an invalid or incomplete response.")),
    503: _htx("503 Service Unavailable", _page(
        "503 Service Unavailable", "No server is available to handle this request.")),
    504: _htx("504 Gateway Time-out", _page("504 Gateway Time-out",
                                            "The server didn't respond in time.")),
}

REDIRECT_REASONS = {301: "Moved Permanently", 302: "Found", 303: "See Other",
                    307: "Temporary Redirect", 308: "Permanent Redirect"}


def redirect(code: int, location: str) -> bytes:
    """HAProxy's redirect response: no body, `content-length: 0`, `location`."""
    return (f"HTTP/1.1 {code} {REDIRECT_REASONS[code]}\r\ncontent-length: 0\r\n"
            f"location: {location}\r\n\r\n").encode("latin-1")


def with_close(response: bytes) -> bytes:
    """HAProxy's HTTP/1 output adds `connection: close` to a response it generates when the
    request asked to close (seen with haproxy 2.6.12: 503, 403, redirects)."""
    head, blank, body = response.partition(b"\r\n\r\n")
    if b"\r\nconnection:" in head.lower():
        return response
    return head + b"\r\nconnection: close" + blank + body
