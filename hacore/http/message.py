"""HTTP/1.x heads as the proxy sees and rewrites them (RFC 9112), pure code.

Header names are kept lower-cased, as HAProxy 2.x forwards them. As haproxy 2.6 (measured):
the `keep-alive` and `close` tokens leave the `connection` header, which goes when nothing is
left; every other header passes (Keep-Alive, TE, Trailer, Upgrade...); the proxy then adds
its own `connection` value. A request head doubles as the RequestView that ACLs read
(configuration.txt §7.3 fetches).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from hacore.acl.fetches import path_of

if TYPE_CHECKING:  # (the config package loads hacore.http to check errorfiles)
    from hacore.config.haproxy_model import ForwardFor

PERSISTENCE_TOKENS = frozenset({"keep-alive", "close"})


def _forwarded(headers: list[tuple[str, str]], lines: list[str], chunked: bool) -> None:
    """The header lines HAProxy forwards: the body framing is the proxy's (Content-Length
    goes when the body is `chunked`, and Transfer-Encoding comes back if a rule removed it,
    as HAProxy's H1 output keeps the message's framing), `connection` loses its keep-alive
    and close tokens."""
    coded = False
    for name, value in headers:
        if name == "connection":
            kept = ", ".join(t.strip() for t in value.split(",")
                             if t.strip() and t.strip().lower() not in PERSISTENCE_TOKENS)
            if kept:
                lines.append(f"connection: {kept}")
        elif not (chunked and name == "content-length"):
            coded = coded or name == "transfer-encoding"
            lines.append(f"{name}: {value}")
    if chunked and not coded:
        lines.append("transfer-encoding: chunked")


def header_tokens(headers: list[tuple[str, str]], name: str) -> set[str]:
    """Comma-separated, lower-cased tokens of every `name` header (Connection, TE...)."""
    found: set[str] = set()
    for header, value in headers:
        if header == name:
            for element in value.split(","):
                token = element.strip()
                if token:
                    found.add(token.lower())
    return found


class RequestHead:
    __slots__ = ("_connection", "_path", "chunked", "dst", "dst_family", "dst_port", "headers",
                 "method", "sni", "src", "src_family", "src_port", "ssl", "target", "version")

    def __init__(self, method: str, target: str, version: str,
                 headers: list[tuple[str, str]]) -> None:
        self.method, self.target, self.version, self.headers = method, target, version, headers
        self._path: str | bool | None = False  # False: not computed yet
        self._connection: set[str] | None = None  # None: not computed since the last edit
        self.src = self.dst = self.src_port = self.dst_port = 0
        self.src_family = self.dst_family = 4
        self.ssl = False
        self.sni: str | None = None
        # The body is chunked: decided once from the head as received, as HAProxy's parser
        # sets its framing flags (h1_parse_xfer_enc_header()); rules do not reframe it.
        self.chunked = False

    @property
    def path(self) -> str | None:
        if self._path is False:
            self._path = path_of(self.target)
        return self._path if isinstance(self._path, str) else None

    def get(self, name: str) -> str | None:
        for header, value in self.headers:
            if header == name:
                return value
        return None

    def tokens(self, name: str) -> set[str]:
        return header_tokens(self.headers, name)

    @property
    def connection(self) -> set[str]:
        """The tokens of the `connection` headers, read once per version of the headers
        (every request asks several times: keep-alive, upgrade, the server's value)."""
        if self._connection is None:
            self._connection = header_tokens(self.headers, "connection")
        return self._connection

    @property
    def upgrade(self) -> bool:
        """RFC 9110 §7.8: a protocol switch is asked with an `upgrade` header named in
        `connection` (the rule llhttp applies too)."""
        return self.get("upgrade") is not None and "upgrade" in self.connection

    def client_wants_keep_alive(self) -> bool:
        """RFC 9112 §9.3: HTTP/1.1 persists unless `close`; 1.0 only with `keep-alive`."""
        tokens = self.connection
        if self.version == "1.1":
            return "close" not in tokens
        return "keep-alive" in tokens

    def set_header(self, name: str, value: str) -> None:
        self.del_header(name)
        self.add_header(name, value)

    def add_header(self, name: str, value: str) -> None:
        self.headers.append((name, value))
        self._connection = None

    def set_header_in_place(self, name: str, value: str) -> None:
        self.headers = [(n, value if n == name else v) for n, v in self.headers]
        self._connection = None

    def del_header(self, name: str) -> None:
        self.headers = [(h, v) for h, v in self.headers if h != name]
        self._connection = None

    def server_connection(self, keep_alive: bool, forced_close: bool = False) -> str | None:
        """The `connection` value haproxy 2.6 adds for the server (mux_h1.c
        h1_update_req_conn_value(), measured): none when the client's `connection` names
        `upgrade` (it passes as is); in keep-alive mode nothing for HTTP/1.1 and `keep-alive`
        for 1.0, unless the request itself forces the close (Transfer-Encoding with
        Content-Length or in 1.0); when closing, `close` for 1.1 and nothing for 1.0."""
        if "upgrade" in self.connection or (keep_alive and forced_close):
            return None
        if keep_alive:
            return None if self.version == "1.1" else "keep-alive"
        return "close" if self.version == "1.1" else None

    def serialize(self, connection: str | None) -> bytes:
        """The request line and headers for the server, then `connection: <connection>`
        when given. Content-Length is dropped when the body is chunked (RFC 9112 §6.3)."""
        lines = [f"{self.method} {self.target} HTTP/{self.version}"]
        _forwarded(self.headers, lines, self.chunked)
        if connection is not None:
            lines.append(f"connection: {connection}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@functools.lru_cache(maxsize=64)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)  # checked when the configuration loads


def append_forwarded_for(head: RequestHead, frontend: ForwardFor | None,
                         backend: ForwardFor | None) -> None:
    """`option forwardfor` in the frontend, the backend or both (haproxy 2.6
    http_process_request()): the client address goes as the last header (configuration.txt:
    servers must use the last occurrence) named as the backend's option says if it has one,
    else the frontend's; `if-none` holds only when no side has the option without it; no
    header for a client in either side's `except` network."""
    options = [option for option in (frontend, backend) if option is not None]
    if not options:
        return
    name = options[-1].header.lower()
    if all(option.if_none for option in options) and head.get(name) is not None:
        return
    address = (ipaddress.IPv4Address(head.src) if head.src_family == 4
               else ipaddress.IPv6Address(head.src))
    if any(option.except_network and address in _network(option.except_network)
           for option in options):
        return
    head.add_header(name, str(address))


def serialize_response(version: str, status: int, reason: str, headers: list[tuple[str, str]],
                       *, keep_alive: bool, client_version: str, chunked: bool = False) -> bytes:
    """A response head for the client with the `connection` value haproxy 2.6 writes
    (mux_h1.c h1_update_res_conn_value()): kept alive, `keep-alive` unless both the request
    and the response are HTTP/1.1; closing, `close` only in an HTTP/1.1 response (1.0
    closes by default). A 101 goes as it came (lower-cased); a 204 loses any
    Content-Length and Transfer-Encoding, as haproxy drops them."""
    lines = [f"HTTP/{version} {status} {reason}"]
    if status == 204:  # (no framing at all: haproxy drops both)
        headers = [(name, value) for name, value in headers
                   if name not in ("content-length", "transfer-encoding")]
        chunked = False
    _forwarded(headers, lines, chunked)
    if status == 101:
        pass
    elif keep_alive:
        if version != "1.1" or client_version != "1.1":
            lines.append("connection: keep-alive")
    elif version == "1.1":
        lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# What haproxy 2.6 logs as a response's size (httplog's bytes_read) is the size of the
# message in its internal HTX form, not the bytes on the wire: 21 bytes of bookkeeping, the
# start line's version, status and reason, each header's name and value (without ": " and
# CRLF), one more for a chunked message with a body, and the payload (decoded). Headers count as they
# came, before http-response rules, without Connection (the H1 layer consumes it) and
# without what the H1 output adds. Fitted to 2.6.12's logs over varied responses.
HTX_OVERHEAD = 21
HTX_CHUNKED = 1


def htx_size(status: int, reason: str, headers: Iterable[tuple[str, str]],
             without: str = "") -> int:
    """The HTX size of a response head (HTTP/1.x: 8 bytes of version), the `without`
    header left out."""
    return HTX_OVERHEAD + 8 + len(str(status)) + len(reason) + sum(
        len(name) + len(value) for name, value in headers if name != without)


@functools.lru_cache(maxsize=256)  # the same pages and redirects, again and again
def reply_size(reply: bytes, with_body: bool) -> int:
    """The HTX size of one of the proxy's own CRLF-framed replies (a page, a redirect, a
    `return`), its body counted unless it is not sent (HEAD)."""
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = lines[0].split(b" ", 2)
    headers = [(name.decode("latin-1").lower(), value.strip(b" \t").decode("latin-1"))
               for name, _, value in (line.partition(b":") for line in lines[1:])]
    return (htx_size(int(status[1]), status[2].decode("latin-1") if len(status) > 2 else "",
                     headers) + (len(body) if with_body else 0))


def chunk(data: bytes) -> bytes:
    """One chunk, its size in upper-case hex as HAProxy writes it."""
    return b"%X\r\n%b\r\n" % (len(data), data)


LAST_CHUNK = b"0\r\n\r\n"
