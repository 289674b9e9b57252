"""HTTP/1.x request heads parsed as HAProxy 2.6 parses them, pure code (src/h1.c
h1_headers_to_hdr_list(), h1_parse_cont_len_header(), h1_parse_xfer_enc_header();
mux_h1.c h1_process_demux()), so that every request HAProxy refuses is refused with the same
status and every request it accepts reaches the server normalised the same way. Each rule
below was checked against haproxy 2.6.12 on loopback (tests/vectors/haproxy-2.6/).

Refusals: 400 for a malformed line, name or value, conflicting or invalid Content-Length, a
Transfer-Encoding that is not chunked-last or chunks twice, two different Host headers, an
absolute URI whose authority differs from Host, a head over the buffer or `tune.http.maxhdr`;
422 for an unknown coding before chunked; 413 for an HTTP/1.0 GET/HEAD/DELETE with a body.
Normalisation: names lower-cased, values trimmed, obs-fold unfolded with spaces, bare LF
accepted, equal Content-Length values collapsed to one, Content-Length dropped next to
Transfer-Encoding (RFC 9112 §6.3) and the connection closed afterwards, versions above 1.1
sent as 1.1, default ports removed from absolute URIs and Host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hacore.http.message import RequestHead

TCHAR = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
REQUEST_LINE = re.compile(rb"(" + TOKEN + rb"+)[ \t]+([^ \t]+)[ \t]+HTTP/([0-9])\.([0-9])")
# The common head, every line ending in CRLF, no obs-fold: checked by one regular expression,
# then split with str methods; anything else takes the line-by-line path, which knows every
# rule.
FIELDS = re.compile(rb"(?:" + TOKEN + rb"{1,255}:[^\r\n]*\r\n)*")
# The common request line, `METHOD SP target SP HTTP/1.x` with a registered method, is split
# without the regular expression (which would read it the same way).
COMMON_METHODS = {m.encode(): m for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
                                          "PATCH", "CONNECT", "TRACE")}
COMMON_VERSIONS = {b"HTTP/1.1": "1.1", b"HTTP/1.0": "1.0"}
URI_REFUSED = re.compile(rb"[\x00-\x20#\x80-\xff]")
MAX_NAME = 255  # bytes: a longer header name is refused (measured)
HTX_BLOCK = 8  # HAProxy's per-block overhead when it stores a head (htx.h)
HTX_SPARE = 69  # the room HAProxy's buffer keeps besides maxrewrite (measured: 15291 of 16384)
BODILESS_10 = frozenset({"GET", "HEAD", "DELETE"})
DEFAULT_PORTS = {"http": "80", "https": "443"}
LLONG = 1 << 64


class HeadError(Exception):
    """A refused request: HAProxy answers `status` and closes."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True, slots=True)
class HeadLimits:
    bufsize: int = 16384  # tune.bufsize
    maxhdr: int = 101  # tune.http.maxhdr, the end of headers takes one slot
    # The largest head HAProxy stores: the buffer less tune.maxrewrite (1024, at most half
    # the buffer) and its own bookkeeping.
    head_cost: int = field(init=False)
    raw_head: int = field(init=False)  # measured: 16320 raw bytes with whitespace padding

    def __post_init__(self) -> None:
        object.__setattr__(self, "head_cost",
                           self.bufsize - min(1024, self.bufsize // 2) - HTX_SPARE)
        object.__setattr__(self, "raw_head", self.bufsize - 64)


@dataclass(slots=True)
class Framing:
    """How the request body is delimited: `length` bytes (None: none), or chunked; `close`
    when HAProxy closes the client connection after the response (TE with CL, TE in 1.0)."""

    length: int | None = None
    chunked: bool = False
    close: bool = False


def find_head_end(buffer: bytes | bytearray, start: int = 0) -> int:
    """The offset just past the empty line ending a head, or -1 (CRLF or bare LF lines)."""
    end = buffer.find(b"\r\n\r\n", start)
    if end >= 0 and buffer.find(b"\n\n", start, end) < 0 and buffer.find(b"\n\r\n", start, end) < 0:
        return end + 4
    candidates = [i + n for i, n in ((buffer.find(b"\n\n", start), 2),
                                     (buffer.find(b"\n\r\n", start), 3)) if i >= 0]
    return min(candidates) if candidates else -1


def skip_empty_lines(buffer: bytearray) -> None:
    """Empty lines before a request line are skipped (RFC 9112 §2.2, h1.c RQBEFORE)."""
    start = 0
    while True:
        if buffer.startswith(b"\r\n", start):
            start += 2
        elif buffer.startswith(b"\n", start):
            start += 1
        else:
            break
    del buffer[:start]


def check_partial_head(buffer: bytes | bytearray) -> None:
    """What HAProxy refuses before the head is complete, as its byte-wise parser does: a
    method that is not a token, a request line that is not one (HTTP/0.9 `GET /`)."""
    end = buffer.find(b"\n")
    line = bytes(buffer if end < 0 else buffer[:end])
    method = line.split(b" ", 1)[0].split(b"\t", 1)[0]
    if not all(b in TCHAR for b in method):
        raise HeadError(400, "invalid method")
    if end >= 0:
        _request_line(line[:-1] if line.endswith(b"\r") else line)


def parse_request_head(raw: bytes, limits: HeadLimits) -> tuple[RequestHead, Framing]:
    """`raw` is one head, empty lines before it allowed, ending with its empty line."""
    raw = raw.lstrip(b"\r\n")
    line_end = raw.find(b"\r\n")
    if line_end > 0 and raw.endswith(b"\r\n\r\n") and FIELDS.fullmatch(raw, line_end + 2,
                                                                  len(raw) - 2):
        method, target, version = _request_line(raw[:line_end])
        headers = []
        if len(raw) > line_end + 4:  # FIELDS checked the names: the first colon ends each
            for line in raw[line_end + 2:-4].decode("latin-1").split("\r\n"):
                name, _, value = line.partition(":")
                headers.append((name.lower(), value.strip(" \t")))
    else:
        method, target, version, headers = _parse_lines(raw)
    # The stored cost never exceeds the raw size plus a block per line: exact sum only near it.
    if len(raw) + HTX_BLOCK * (len(headers) + 2) > limits.head_cost and (
            stored_cost(len(method) + len(target) + 8, headers) > limits.head_cost
            or len(raw) > limits.raw_head):
        raise HeadError(400, "request head too large")
    if len(headers) > limits.maxhdr - 1:
        raise HeadError(400, "too many headers")
    head = RequestHead(method, target, version, headers)
    framing = _framing(head)
    head.chunked = framing.chunked
    _authority(head)
    if (version == "1.0" and method in BODILESS_10
            and (framing.chunked or (framing.length or 0) != 0)):
        raise HeadError(413, "HTTP/1.0 GET/HEAD/DELETE request with a payload")
    _websocket(head, framing)
    return head, framing


def stored_cost(start_line: int, headers: list[tuple[str, str]]) -> int:
    """What a head costs in HAProxy's buffer: a block per line and the end of headers, each
    with its bytes (`start_line`: those of the start line's words)."""
    return HTX_BLOCK * 2 + start_line + sum(HTX_BLOCK + len(name) + len(value)
                                            for name, value in headers)


def _parse_lines(raw: bytes) -> tuple[str, str, str, list[tuple[str, str]]]:
    """The general path: bare LF line ends, obs-fold, and every refusal."""
    lines = head_lines(raw)
    if not lines:
        raise HeadError(400, "no request line")
    return (*_request_line(lines[0][0]), header_fields(lines[1:]))


def head_lines(raw: bytes) -> list[tuple[bytes, bool]]:
    """The lines of a head that ends with its empty line, each without its line end, and
    whether that was CRLF (a bare LF is accepted, a bare CR is refused)."""
    lines = []
    for line in raw.split(b"\n")[:-2]:  # the head ends with "\n" + empty line + "\n"
        body = line[:-1] if line.endswith(b"\r") else line
        if b"\r" in body:
            raise HeadError(400, "bare CR in the head")
        lines.append((body, line.endswith(b"\r")))
    return lines


def _request_line(line: bytes) -> tuple[str, str, str]:
    parts = line.split(b" ")
    if len(parts) == 3 and parts[1] and not URI_REFUSED.search(parts[1]):
        method, version = COMMON_METHODS.get(parts[0]), COMMON_VERSIONS.get(parts[2])
        if method is not None and version is not None:
            return method, parts[1].decode("latin-1"), version
    match = REQUEST_LINE.fullmatch(line)
    if match is None:
        raise HeadError(400, "invalid request line")
    target = match.group(2)
    if URI_REFUSED.search(target):
        raise HeadError(400, "invalid character in the URI")
    major, minor = int(match.group(3)), int(match.group(4))
    if major == 0:
        raise HeadError(400, "HTTP/0.x is refused")
    if match.group(1) == b"PRI" and major == 2:  # RFC 9113 §3.4 preface: no HTTP/2 here
        raise HeadError(400, "HTTP/2 is not supported")
    version = "1.0" if (major, minor) == (1, 0) else "1.1"  # 1.2 .. 9.9 go out as 1.1
    return match.group(1).decode("latin-1"), target.decode("latin-1"), version


def header_fields(lines: list[tuple[bytes, bool]]) -> list[tuple[str, str]]:
    """Header lines as (lower-case name, trimmed value), obs-fold unfolded as h1.c does."""
    fields: list[list[bytes]] = []
    for line, had_cr in lines:
        if line[:1] in (b" ", b"\t"):  # obs-fold: RFC 9112 §5.2, unfolded with spaces
            if not fields:
                raise HeadError(400, "obs-fold on the first header line")
            fields[-1][1] += (b"  " if had_cr else b" ") + line
            continue
        name, colon, value = line.partition(b":")
        if not colon or not name or len(name) > MAX_NAME or not all(b in TCHAR for b in name):
            raise HeadError(400, "invalid header name")
        fields.append([name, value])
    return [(name.decode("latin-1").lower(), value.strip(b" \t").decode("latin-1"))
            for name, value in fields]


def content_length(value: str) -> int | None:
    """h1_parse_cont_len_header(): comma-separated equal values, each digits between blanks,
    accumulated in a signed 64-bit integer as the C code does (2^64 wraps to 0, values past
    2^63 but below 2^64 read as "unbounded"); None when refused."""
    result = None
    for element in value.split(","):
        digits = element.strip(" \t")
        if not digits.isdigit() or not digits.isascii():
            return None
        number = 0
        for digit in digits.encode():
            if number % LLONG > 0xFFFFFFFFFFFFFFFF // 10:
                return None  # multiply overflow
            number = _signed(number * 10)
            if _signed(number + digit - 48) < number:
                return None  # addition overflow
            number = _signed(number + digit - 48)
        if number == -(1 << 63) or (result is not None and number != result):
            return None
        result = number
    return result


def _signed(value: int) -> int:
    value %= LLONG
    return value - LLONG if value >= 1 << 63 else value


def _transfer_encoding(values: list[str]) -> tuple[bool, bool]:
    """h1_parse_xfer_enc_header() over every header: (chunked last, other coding seen);
    raises on chunked twice or a coding after chunked."""
    chunked = last_chunked = other = False
    for value in values:
        elements = value.split(",")
        if len(elements) > 1 and not elements[-1].strip(" \t"):
            elements.pop()  # the C loop ends on a trailing comma: `chunked,` is chunked
        for element in elements:
            word = element.strip(" \t")
            if word.lower() == "chunked":
                if chunked:
                    raise HeadError(400, "chunked applied twice")
                chunked = last_chunked = True
            else:
                if chunked:
                    raise HeadError(400, "a transfer coding after chunked")
                other, last_chunked = True, False
    return last_chunked, other


def _framing(head: RequestHead) -> Framing:
    framing = Framing()
    lengths, encodings, hosts = [], [], []
    for name, value in head.headers:
        if name == "content-length":
            lengths.append(value)
        elif name == "transfer-encoding":
            encodings.append(value)
        elif name == "host":
            hosts.append(value)
    if lengths:
        parsed = [content_length(v) for v in lengths]
        if None in parsed or len(set(parsed)) != 1:
            raise HeadError(400, "invalid Content-Length")
        framing.length = parsed[0]
        first = lengths[0].split(",")[0].strip(" \t")
        _keep_first(head, "content-length", first)
    if encodings:
        framing.chunked, other = _transfer_encoding(encodings)
        if other and framing.chunked:
            raise HeadError(422, "unknown transfer coding")
        if not framing.chunked:
            raise HeadError(400, "a request Transfer-Encoding must end with chunked")
        if framing.length is not None:  # T-E + C-L: force close and remove C-L
            head.del_header("content-length")
            framing.length, framing.close = None, True
        elif head.version == "1.0":
            framing.close = True
    if len(hosts) > 1 and len({h.lower() for h in hosts}) > 1:
        raise HeadError(400, "two different Host headers")
    if len(hosts) > 1:
        _keep_first(head, "host", hosts[0])
    return framing


def _keep_first(head: RequestHead, name: str, value: str) -> None:
    index = next(i for i, (n, _) in enumerate(head.headers) if n == name)
    head.headers = [(n, v) for i, (n, v) in enumerate(head.headers) if n != name or i == index]
    head.headers[index] = (name, value)


def _split_port(authority: str) -> tuple[str, str | None]:
    """(host, port or None); an IPv6 literal keeps its brackets."""
    if authority.startswith("["):
        end = authority.find("]") + 1
        rest = authority[end:]
        return (authority[:end], rest[1:]) if rest.startswith(":") else (authority, None)
    host, colon, port = authority.rpartition(":")
    return (host, port) if colon else (authority, None)


def _authority(head: RequestHead) -> None:
    """Absolute-form targets must agree with Host, up to a default port, which both lose;
    CONNECT takes an authority (host:port) and a Host naming the same, its default port
    dropped; other methods take an origin-form path or `*`."""
    target, host = head.target, head.get("host")
    if head.method == "CONNECT":
        uri_host, uri_port = _split_port(target)
        if uri_port is None or not uri_host:
            raise HeadError(400, "CONNECT needs host:port")
        if host is not None:
            host_name, host_port = _split_port(host)
            if (host_name.lower() != uri_host.lower()
                    or (host_port is not None and host_port != uri_port)
                    or (host_port is None and uri_port not in DEFAULT_PORTS.values())):
                raise HeadError(400, "Host does not match the CONNECT authority")
            if host_port is not None and uri_port in DEFAULT_PORTS.values():
                head.set_header_in_place("host", host_name)
        return
    if target.startswith("/") or target == "*":
        return
    scheme, sep, rest = target.partition("://")
    if not sep or not scheme.isalpha():
        raise HeadError(400, "authority-form is for CONNECT only")
    authority, slash, path = rest.partition("/")
    default = DEFAULT_PORTS.get(scheme.lower())
    uri_host, uri_port = _split_port(authority)
    if host is not None and host.lower() != authority.lower():
        host_name, host_port = _split_port(host)
        if ((uri_port is None and host_port is None)
                or (uri_port is not None and uri_port != default)
                or (host_port is not None and host_port != default)
                or uri_host.lower() != host_name.lower()):
            raise HeadError(400, "the URI authority does not match Host")
    if default is not None and uri_port == default:
        head.target = f"{scheme}://{uri_host}{slash}{path}"
        if host is not None and _split_port(host)[1] == default:
            head.set_header_in_place("host", _split_port(host)[0])


def _websocket(head: RequestHead, framing: Framing) -> None:
    """A body rules an upgrade out (the `upgrade` header goes); a WebSocket handshake needs
    a 24-character Sec-WebSocket-Key (mux_h1.c h1_search_websocket_key())."""
    if head.get("upgrade") is None:
        return
    if framing.chunked or framing.length:
        head.del_header("upgrade")
        return
    if ("upgrade" in head.connection and "websocket" in head.tokens("upgrade")
            and len(head.get("sec-websocket-key") or "") != 24):
        raise HeadError(400, "WebSocket handshake without a valid Sec-WebSocket-Key")
