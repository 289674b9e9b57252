"""HTTP/1.x heads as the proxy sees and rewrites them (RFC 9112), pure code.

Header names are kept lower-cased, as HAProxy 2.x forwards them; `connection` and the other
hop-by-hop headers of RFC 9110 §7.6.1 are dropped and the proxy writes its own. A request
head doubles as the RequestView that ACLs read (configuration.txt §7.3 fetches).
"""

from __future__ import annotations

import ipaddress

from hacore.acl.fetches import path_of
from hacore.config.haproxy_model import ForwardFor

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer",
                        "upgrade"})


class RequestHead:
    __slots__ = ("_path", "dst", "dst_family", "dst_port", "headers", "method", "sni", "src",
                 "src_family", "src_port", "ssl", "target", "version")

    def __init__(self, method: str, target: str, version: str,
                 headers: list[tuple[str, str]]) -> None:
        self.method, self.target, self.version, self.headers = method, target, version, headers
        self._path: str | bool | None = False  # False: not computed yet
        self.src = self.dst = self.src_port = self.dst_port = 0
        self.src_family = self.dst_family = 4
        self.ssl = False
        self.sni: str | None = None

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
        """Comma-separated, lower-cased tokens of every `name` header (Connection, TE...)."""
        found: set[str] = set()
        for header, value in self.headers:
            if header == name:
                found.update(t.strip().lower() for t in value.split(",") if t.strip())
        return found

    @property
    def chunked(self) -> bool:
        return "chunked" in self.tokens("transfer-encoding")

    @property
    def upgrade(self) -> bool:
        """RFC 9110 §7.8: a protocol switch is asked with an `upgrade` header named in
        `connection` (the rule llhttp applies too)."""
        return self.get("upgrade") is not None and "upgrade" in self.tokens("connection")

    def client_wants_keep_alive(self) -> bool:
        """RFC 9112 §9.3: HTTP/1.1 persists unless `close`; 1.0 only with `keep-alive`."""
        tokens = self.tokens("connection")
        if self.version == "1.1":
            return "close" not in tokens
        return "keep-alive" in tokens

    def set_header(self, name: str, value: str) -> None:
        self.del_header(name)
        self.headers.append((name, value))

    def del_header(self, name: str) -> None:
        self.headers = [(h, v) for h, v in self.headers if h != name]

    def server_connection(self, keep_alive: bool) -> str | None:
        """The `connection` value haproxy 2.6 sends the server (mux_h1.c
        h1_update_req_conn_value(), measured): `upgrade` for a protocol switch; in keep-alive
        mode nothing for HTTP/1.1 and `keep-alive` for 1.0; when closing, `close` for 1.1
        and nothing for 1.0, where close is implied."""
        if self.upgrade:
            return "upgrade"
        if keep_alive:
            return None if self.version == "1.1" else "keep-alive"
        return "close" if self.version == "1.1" else None

    def serialize(self, connection: str | None) -> bytes:
        """The request line and headers for the server, with `connection: <connection>`
        when given (`upgrade` keeps the `upgrade` header). Content-Length is dropped when
        the body is chunked (RFC 9112 §6.3: chunked wins)."""
        chunked = self.chunked
        keep = "upgrade" if connection == "upgrade" else ""
        lines = [f"{self.method} {self.target} HTTP/{self.version}"]
        for name, value in self.headers:
            if (name in HOP_BY_HOP and name != keep) or (chunked and name == "content-length"):
                continue
            lines.append(f"{name}: {value}")
        if connection is not None:
            lines.append(f"connection: {connection}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def append_forwarded_for(head: RequestHead, option: ForwardFor | None) -> None:
    """`option forwardfor`: append the client address as the last x-forwarded-for header
    (configuration.txt: servers must use the last occurrence), unless `except` matches the
    client or `if-none` finds one already."""
    if option is None:
        return
    name = option.header.lower()
    if option.if_none and head.get(name) is not None:
        return
    address = (ipaddress.IPv4Address(head.src) if head.src_family == 4
               else ipaddress.IPv6Address(head.src))
    if option.except_network and address in ipaddress.ip_network(option.except_network, False):
        return
    head.headers.append((name, str(address)))


def serialize_response(version: str, status: int, reason: str, headers: list[tuple[str, str]],
                       *, keep_alive: bool, client_version: str) -> bytes:
    """A response head for the client: its own hop-by-hop headers dropped, then
    `connection: close` or, for an HTTP/1.0 client kept alive, `connection: keep-alive`;
    a 101 keeps `upgrade` and says `connection: upgrade`."""
    chunked = any(n == "transfer-encoding" and "chunked" in v.lower() for n, v in headers)
    keep = "upgrade" if status == 101 else ""
    lines = [f"HTTP/{version} {status} {reason}"]
    for name, value in headers:
        if (name in HOP_BY_HOP and name != keep) or (chunked and name == "content-length"):
            continue
        lines.append(f"{name}: {value}")
    if status == 101:
        lines.append("connection: upgrade")
    elif not keep_alive:
        lines.append("connection: close")
    elif client_version == "1.0":
        lines.append("connection: keep-alive")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


LAST_CHUNK = b"0\r\n\r\n"
