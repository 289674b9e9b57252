"""HAProxy 2.6's built-in error responses, byte for byte (captured from haproxy 2.6.12:
502/503/504/403 come from its HTX generator with lowercase header names, 400/408/413/422
from the raw legacy messages, 413 and 422 without `Connection: close` though the connection
closes after them). `errorfile` replaces them verbatim."""

from __future__ import annotations


def _htx(status: str, body: str, close: bool = False) -> bytes:
    encoded = body.encode()
    connection = "connection: close\r\n" if close else ""
    return (f"HTTP/1.1 {status}\r\ncontent-length: {len(encoded)}\r\n"
            f"cache-control: no-cache\r\ncontent-type: text/html\r\n{connection}\r\n"
            ).encode() + encoded


def _legacy(status: str, body: str, close: bool = True) -> bytes:
    encoded = body.encode()
    connection = "Connection: close\r\n" if close else ""
    return (f"HTTP/1.1 {status}\r\nContent-length: {len(encoded)}\r\n"
            f"Cache-Control: no-cache\r\n{connection}Content-Type: text/html\r\n\r\n"
            ).encode() + encoded


def _page(title: str, text: str) -> str:
    return f"<html><body><h1>{title}</h1>\n{text}\n</body></html>\n"


# haproxy 2.6's page texts (http_htx.c http_err_msgs, captured from haproxy 2.6.12): its own
# answers (ERRORS) and, in HTX form, what `http-request deny [deny_status N]` and
# `default-errorfiles` answer (RULE_PAGES; the connection closes after a 400 or 408).
# Statuses outside this table cannot be a rule's error page.
_PAGE_TEXTS = {
    200: ("200 OK", "Service ready."),
    400: ("400 Bad request", "Your browser sent an invalid request."),
    401: ("401 Unauthorized", "You need a valid user and password to access this content."),
    403: ("403 Forbidden", "Request forbidden by administrative rules."),
    404: ("404 Not Found", "The resource could not be found."),
    405: ("405 Method Not Allowed", "A request was made of a resource using a request method "
                                    "not supported by that resource"),
    407: ("407 Unauthorized", "You need a valid user and password to access this content."),
    408: ("408 Request Time-out", "Your browser didn't send a complete request in time."),
    410: ("410 Gone", "The resource is no longer available and will not be available again."),
    413: ("413 Payload Too Large", "The request entity exceeds the maximum allowed."),
    421: ("421 Misdirected Request", "Request sent to a non-authoritative server."),
    422: ("422 Unprocessable Content", "The server cannot process the contained instructions."),
    425: ("425 Too Early", "Your browser sent early data."),
    429: ("429 Too Many Requests", "You have sent too many requests in a given amount of time."),
    500: ("500 Internal Server Error", "An internal server error occurred."),
    501: ("501 Not Implemented", ".The server does not support the functionality required to "
                                 "fulfill the request."),
    502: ("502 Bad Gateway", "The server returned an invalid or incomplete response."),
    503: ("503 Service Unavailable", "No server is available to handle this request."),
    504: ("504 Gateway Time-out", "The server didn't respond in time."),
}


def _builtin(code: int, legacy: bool = False, close: bool = True) -> bytes:
    title, text = _PAGE_TEXTS[code]
    page = _page(title, text)
    return _legacy(title, page, close) if legacy else _htx(title, page)


# What haproxy answers itself (parser errors and timeouts in the legacy form, the rest HTX).
ERRORS: dict[int, bytes] = {
    400: _builtin(400, legacy=True), 403: _builtin(403),
    413: _builtin(413, legacy=True, close=False), 422: _builtin(422, legacy=True, close=False),
    408: _builtin(408, legacy=True), 500: _builtin(500), 502: _builtin(502),
    503: _builtin(503), 504: _builtin(504),
}

RULE_PAGES: dict[int, bytes] = {
    code: _htx(title, _page(title, text), close=code in (400, 408))
    for code, (title, text) in _PAGE_TEXTS.items()}

# http.c http_get_reason(): the reason phrase of a reply HAProxy builds (`http-request
# return status N`), and its per-class fallback; quirks included, as captured from 2.6.12.
REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
    204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
    210: "Content Different", 226: "IM Used", 300: "Multiple Choices",
    301: "Moved Permanently", 302: "Moved Temporarily", 303: "See Other",
    304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect",
    308: "Permanent Redirect", 310: "Too many Redirects", 400: "Bad Request",
    401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required",
    408: "Request Time-out", 409: "Conflict", 410: "Gone", 411: "Length Required",
    412: "Precondition Failed", 413: "Request Entity Too Large",
    414: "Request-URI Too Long", 415: "Unsupported Media Type",
    416: "Requested range unsatisfiable", 417: "Expectation failed", 418: "I'm a teapot",
    421: "Misdirected Request", 422: "Unprocessable Content", 423: "Locked",
    424: "Method failure", 425: "Too Early", 426: "Upgrade Required",
    428: "Precondition Required", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 449: "Retry With",
    450: "Blocked by Windows Parental Controls", 451: "Unavailable For Legal Reasons",
    456: "Unrecoverable Error", 499: "client has closed connection",
    500: "Internal Server Error", 501: "Not Implemented",
    502: "Bad Gateway or Proxy Error", 503: "Service Unavailable",
    504: "Gateway Time-out", 505: "HTTP Version not supported",
    506: "Variant also negotiate", 507: "Insufficient storage", 508: "Loop detected",
    509: "Bandwidth Limit Exceeded", 510: "Not extended", 511: "Network authentication required",
    520: "Web server is returning an unknown error",
}
_CLASS_REASONS = {1: "Informational", 2: "Success", 3: "Redirection", 4: "Client Error",
                  5: "Server Error"}


def reason(status: int) -> str:
    return REASONS.get(status) or _CLASS_REASONS.get(status // 100, "Other")


REDIRECT_REASONS = {301: "Moved Permanently", 302: "Found", 303: "See Other",
                    307: "Temporary Redirect", 308: "Permanent Redirect"}


def redirect(code: int, location: str) -> bytes:
    """HAProxy's redirect response: no body, `content-length: 0`, `location`; the
    temporary ones (302, 303, 307) are not to be cached (http_ana.c: `cache-control:
    no-cache`, seen on haproxy 2.6.12)."""
    cache = "cache-control: no-cache\r\n" if code in (302, 303, 307) else ""
    return (f"HTTP/1.1 {code} {REDIRECT_REASONS[code]}\r\ncontent-length: 0\r\n"
            f"location: {location}\r\n{cache}\r\n").encode("latin-1")


def with_connection(response: bytes, value: str) -> bytes:
    """`response` with a `connection: <value>` line at the end of its head, unless it has
    one (HAProxy's HTTP/1 output on the pages it generates)."""
    head, blank, body = response.partition(b"\r\n\r\n")
    if b"\r\nconnection:" in head.lower():
        return response
    return head + b"\r\nconnection: " + value.encode() + blank + body
