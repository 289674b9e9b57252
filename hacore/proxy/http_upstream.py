"""The server side of HTTP exchanges: parse each response with httptools and stream it to the
client, re-framed (a chunked body stays chunked, chunk by chunk). In keep-alive mode a server
connection that ends its response cleanly is parked idle (hacore.proxy.idle_pool, or the
client session's own list under `http-reuse never`) and carries later requests."""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import TYPE_CHECKING, cast

import httptools

from hacore.http.h1_request import HTX_BLOCK, stored_cost
from hacore.http.h1_response import normalise_response
from hacore.http.message import (
    HTX_CHUNKED,
    LAST_CHUNK,
    chunk,
    header_tokens,
    htx_size,
    serialize_response,
)
from hacore.proxy.idle import IdleTimer

if TYPE_CHECKING:
    from hacore.proxy.http_exchange import Exchange

NO_BODY_STATUSES = frozenset({204, 304})


def response_parser(protocol: HttpUpstream, normalised: bool = False
                    ) -> httptools.HttpResponseParser:
    """llhttp, as lenient as haproxy 2.6's response parser (h1.c) where llhttp is stricter
    (measured: haproxy forwards these): a bare LF ends a line, Content-Length beside
    `Transfer-Encoding: chunked` (chunked wins, the length is dropped), another 1.x minor
    version (sent on as 1.1). A head it refused is parsed again `normalised`
    (hacore.http.h1_response), also accepting control bytes (NUL included) in values:
    llhttp's lenient_headers would otherwise unfold obs-fold its own way. A bare CR in a
    value and a bad name stay refused, as haproxy refuses them."""
    parser = httptools.HttpResponseParser(protocol)
    parser.set_dangerous_leniencies(lenient_optional_cr_before_lf=True,
                                    lenient_chunked_length=True, lenient_version=True,
                                    lenient_headers=normalised)
    return parser
RESET_ON_CLOSE = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends a reset


def _framing_allowed(headers: list[tuple[str, str]]) -> bool:
    """haproxy 2.6 forwards a response whose Transfer-Encoding is `chunked` alone, once
    (a trailing comma aside); any other coding, or chunked twice, is a 502 (measured)."""
    codings = [word.strip(" \t").lower() for name, value in headers
               if name == "transfer-encoding" for word in value.split(",")]
    while len(codings) > 1 and not codings[-1]:
        codings.pop()
    return codings == ["chunked"]


class HttpUpstream(asyncio.Protocol):
    __slots__ = ("_headers", "_reason", "chunked", "close_delimited", "complete", "exchange",
                 "head_seen", "held", "idle_in", "interim", "normalised", "parser", "remaining",
                 "reusable", "served", "started", "switched", "target", "te_as_sent", "timer",
                 "transport")

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.parser = response_parser(self)
        self._headers: list[tuple[str, str]] = []
        self._reason = b""
        self.started = self.complete = self.chunked = self.switched = self.reusable = False
        self.close_delimited = False  # the body ends when the server closes
        self.transport: asyncio.Transport | None = None
        self.served = 0
        self.remaining = 0  # Content-Length body bytes still due (forwarded without parsing)
        self.idle_in: list[HttpUpstream] | None = None  # the idle list holding it, if parked
        self.target: object = None  # the server it is connected to
        # `timeout server`: the client session's timer, while this carries one of its
        # exchanges (one timer per session, as HAProxy keeps one per stream).
        self.timer: IdleTimer | None = None
        # A response head not written yet: it goes out with the first body bytes read with
        # it, one write (one syscall, one segment) for a small response as HAProxy sends it.
        self.held = b""
        # The bytes read before the final head was whole (usually the one read), and the
        # interim heads sent on from them: llhttp is fed them again, normalised, when it
        # refused what haproxy normalises (hacore.http.h1_response).
        self.head_seen = b""
        self.te_as_sent: list[str] = []  # Transfer-Encoding values llhttp gets normalised
        self.normalised = False  # the parser is the lenient one of a normalised head
        self.interim = 0

    def attach(self, exchange: Exchange, server: object, timeout: float | None) -> None:
        """Carry `exchange`'s request (a new connection, or one taken from an idle list)."""
        self.exchange, self.idle_in, self.served = exchange, None, self.served + 1
        self.started = self.complete = self.chunked = self.switched = self.reusable = False
        self.close_delimited = False
        self.remaining = self.interim = 0
        self.head_seen = b""
        self.te_as_sent = []
        if self.normalised:  # the next response is parsed strictly first again
            self.parser, self.normalised = response_parser(self), False
        self.target = server
        self.timer = exchange.client.server_timer
        self.timer.retime(timeout)

    def stop_timer(self) -> None:
        """The exchange is over (or a tunnel takes the connection over): no response is due,
        and an idle connection has no timeout."""
        if self.timer is not None:
            self.timer.pause()
            self.timer = None

    def timed_out(self) -> None:
        if self.idle_in is None and not self.complete:
            self.exchange.server_failed(504, "sH--")
        self.started = self.chunked = self.switched = self.reusable = False
        # answered (504) or cut: when the server closes now, nothing more is owed to anyone
        self.complete = True

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def close_after(self, clean: bool) -> None:
        """Close at the end of an exchange that keeps no connection. After a clean exchange
        (the response whole, the request sent) HAProxy resets the connection it closes first
        rather than sending a FIN, so that no TIME_WAIT holds the proxy's ports toward the
        server: a new connection per request would otherwise run out of ephemeral ports
        at a few hundred requests a second to one server (W. Tarreau, haproxy issue #560:
        "if it needs to unexpectedly close by itself, then it can only use an RST"; haproxy
        2.6 on the wire). Not over TLS, whose close_notify must go out first."""
        transport = self.transport
        assert transport is not None
        self.complete = True
        if transport.is_closing():
            return  # closed already (an exchange released twice on a failure)
        if clean and not transport.get_write_buffer_size():
            sock = transport.get_extra_info("socket")
            if sock is not None and transport.get_extra_info("ssl_object") is None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET_ON_CLOSE)
        transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.idle_in is not None:  # nothing is due on an idle connection: drop it
            self.close()
            return
        if self.timer is not None:
            self.timer.touch()
        if self.remaining:
            self._forward_body(data)
            return
        if not self.started:
            self.head_seen += data  # (no copy for the first read: b"" + data is data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self._flush()
            if self.switched:  # a 101 to an Upgrade request: the rest is the new protocol
                self.exchange.tunnel(data[upgrade.args[0]:])
            elif self.idle_in is None and not self.complete:
                self.exchange.server_failed(502, "PH--")
            return
        except httptools.HttpParserError:
            if self.held and not self.complete and self.idle_in is None:
                # a bad body in the read that brought the head, which is not sent on yet:
                # haproxy parses what it read before forwarding anything, and answers 502
                self.held, self.started, self.reusable = b"", False, False
                self.exchange.server_failed(502, "PH--")
                return
            self._flush()
            if self.complete or self.idle_in is not None:
                self.close()  # garbage after a finished response: the connection is spoilt
            elif not self._normalised():
                self.exchange.server_failed(502, "PH--")
            return
        if not self.started and len(self.head_seen) > self.exchange.client.frontend.limits.bufsize:
            self._refuse()  # a head that cannot fit in the buffer
            return
        self._flush()  # the head of a response whose body has not come yet
        if self.switched and self.exchange.head.method == "CONNECT":
            self.exchange.tunnel(b"")  # what the parser saw behind the head went out already

    def _normalised(self) -> bool:
        """Parse the response again from its start, normalised as haproxy reads it, by the
        lenient parser, once (the head is not sent on yet, nothing else has been)."""
        seen = self.head_seen
        normalised = None if self.started else normalise_response(seen, self.interim)
        if normalised is None or self.normalised:
            return False
        self.parser, self.normalised = response_parser(self, normalised=True), True
        self._headers, self._reason, self.head_seen, self.interim = [], b"", b"", 0
        self.data_received(normalised)
        return True

    def _send(self, data: bytes) -> None:
        if self.held:
            data, self.held = self.held + data, b""
        self.exchange.write(data)

    def _flush(self) -> None:
        if self.held:
            self._send(b"")

    def _forward_body(self, data: bytes) -> None:
        """The hot path of large bodies: a Content-Length body goes out as read, without a
        copy per chunk through the parser; the parser is replaced for the next response."""
        if len(data) < self.remaining:
            self.remaining -= len(data)
            self.exchange.bytes_out += len(data)
            self.exchange.write(data)
            return
        if len(data) > self.remaining:  # bytes after the response: the connection is spoilt
            self.reusable = False
            data = data[:self.remaining]
        self.remaining = 0
        self.exchange.bytes_out += len(data)
        self.exchange.write(data)
        self.parser = response_parser(self)
        self.complete = True
        self.exchange.response_done()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_timer()
        try:
            self._lost()
        finally:
            # The parser's callbacks and the exchange refer back to this connection: without
            # them it is freed at once, not by the cycle collector (nothing reads them now).
            del self.parser, self.exchange

    def _lost(self) -> None:
        if self.idle_in is not None:  # the server closed an idle connection
            if self in self.idle_in:
                self.idle_in.remove(self)
            return
        if self.complete:
            return
        if self.served > 1 and not self.started and not self.exchange.first:
            # haproxy 2.6 http_ana.c: "A keep-alive request to the server failed on a
            # network error. The client is required to retry": close without a response.
            self.exchange.abort()
            self.exchange.client.close()
            return
        if self.started and self.close_delimited:
            self.complete = True  # a close-delimited body ends with the connection
            self.exchange.response_done()
        else:
            self.exchange.server_failed(502, "SH--")  # closed before (or in) the response

    def pause_writing(self) -> None:
        self.exchange.client.transport.pause_reading()

    def resume_writing(self) -> None:
        self.exchange.client.transport.resume_reading()

    # httptools callbacks
    def on_status(self, status: bytes) -> None:
        self._reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1").lower(), value.decode("latin-1").strip()))

    def on_headers_complete(self) -> None:
        if self.complete or self.idle_in is not None:
            self.reusable = False  # a response nobody asked for: the connection is spoilt
            self.close()
            return
        te_values = [value for name, value in self._headers if name == "transfer-encoding"]
        if any(value.endswith(",") for value in te_values):
            # llhttp does not read `chunked,` as chunked: parsed again normalised
            # (h1_response), forwarded as it came, as haproxy forwards it
            self.te_as_sent = te_values
            raise ValueError("a Transfer-Encoding with a trailing comma")
        if self.te_as_sent:
            values = iter(self.te_as_sent)
            self._headers = [(name, next(values, value) if name == "transfer-encoding"
                              else value) for name, value in self._headers]
            self.te_as_sent = []
        status = self.parser.get_status_code()
        version = self.parser.get_http_version()
        if version not in ("1.0", "1.1"):
            version = "1.1"  # haproxy's H1 output speaks 1.1 whatever the server wrote
        framing, self._headers = self._headers, []
        reason, self._reason = self._reason.decode("latin-1"), b""
        exchange = self.exchange
        if self._too_large(framing, reason):
            self._refuse()
            return
        # (an interim response counts too: haproxy logs 91 for a 100 then a 51-byte 200)
        exchange.bytes_out += htx_size(status, reason, framing, without="connection")
        headers = exchange.response_headers(framing, status, version)
        connect = exchange.head.method == "CONNECT" and 200 <= status < 300
        if status == 101 or connect:
            if not self._switch_allowed(status, framing):
                self._refuse()  # (the parser's Upgrade pause is ignored)
                return
            self.started = self.switched = True
            exchange.status = status
            exchange.times[4] = exchange.client.loop.time()
            exchange.write(serialize_response(version, status, reason, headers,
                                              keep_alive=True, client_version="1.1"))
            return
        if 100 <= status < 200:  # interim: forward, the final response follows
            self.interim += 1
            exchange.write(serialize_response(version, status, reason, headers, keep_alive=True,
                                              client_version="1.1"))
            return
        self._final_head(status, version, reason, framing, headers)

    def _final_head(self, status: int, version: str, reason: str,
                    framing: list[tuple[str, str]], headers: list[tuple[str, str]]) -> None:
        exchange = self.exchange
        self.started = True
        self.reusable = self.parser.should_keep_alive()
        exchange.times[4] = exchange.client.loop.time()
        # The framing is the server's, as llhttp reads it (rules do not change it).
        length = None
        for name, value in framing:
            if name == "transfer-encoding":
                self.chunked = True
            elif name == "content-length" and length is None:
                length = value
        if self.chunked and not _framing_allowed(framing):
            self._refuse()
            return
        no_body = exchange.head.method == "HEAD" or status in NO_BODY_STATUSES
        exchange.bytes_out += HTX_CHUNKED if self.chunked and not no_body else 0
        framed = no_body or self.chunked or length is not None
        self.close_delimited = not framed
        # chunked is no HTTP/1.0 framing: haproxy 2.6 closes the client side after such a
        # response (measured)
        exchange.keep_alive = exchange.keep_alive and framed and not (
            self.chunked and version == "1.0")
        self.held = serialize_response(version, status, reason, headers,
                                       keep_alive=exchange.keep_alive,
                                       client_version=exchange.head.version,
                                       chunked=self.chunked)
        exchange.status = status
        if no_body:
            self._flush()
            self.complete = True
            exchange.response_done()
        elif length is not None and length.isdigit() and not self.chunked:
            self.remaining = int(length)  # llhttp checked it; on_body counts what it passes

    def _refuse(self) -> None:
        """A response haproxy refuses: a 502 (PH--), and the connection is not kept."""
        self.complete, self.reusable, self.started = True, False, False
        self.exchange.server_failed(502, "PH--")

    def _too_large(self, headers: list[tuple[str, str]], reason: str) -> bool:
        """A head over `tune.http.maxhdr` or over what the buffer stores, as haproxy
        measures a request's (measured: a 502; hacore.http.h1_request)."""
        limits = self.exchange.client.frontend.limits
        if len(headers) > limits.maxhdr - 1:
            return True
        # (a head of up to 100 lines costs at most its bytes and 8 a line more)
        return (len(self.head_seen) + HTX_BLOCK * (limits.maxhdr + 1) > limits.head_cost
                and stored_cost(11 + len(reason), headers) > limits.head_cost)

    def _switch_allowed(self, status: int, headers: list[tuple[str, str]]) -> bool:
        """A 101 answers an Upgrade request only, and one that switches to WebSocket must
        carry Sec-WebSocket-Accept (mux_h1.c h1_search_websocket_key(): else 502)."""
        if status != 101:
            return True  # a 2xx to CONNECT
        if not self.exchange.head.upgrade:
            return False
        websocket = ("upgrade" in header_tokens(headers, "connection")
                     and "websocket" in header_tokens(headers, "upgrade"))
        return not websocket or any(n == "sec-websocket-accept" for n, _ in headers)

    def on_body(self, body: bytes) -> None:
        if self.switched:  # bytes behind a CONNECT answer: already the tunnel's
            self.exchange.write(body)
            return
        if not self.complete:
            self.remaining -= 0 if self.chunked else len(body)
            self.exchange.bytes_out += len(body)
            self._send(chunk(body) if self.chunked else body)

    def on_message_complete(self) -> None:
        if not self.started or self.complete or self.switched:
            return
        if self.chunked:
            # trailers came through on_header after the head: they follow the last chunk,
            # names lower-cased, as haproxy 2.6 forwards them
            trailers, self._headers = self._headers, []
            self._send(b"0\r\n" + "".join(f"{n}: {v}\r\n" for n, v in trailers).encode(
                "latin-1") + b"\r\n" if trailers else LAST_CHUNK)
        else:
            self._flush()  # a Content-Length: 0 response
        self.remaining = 0
        self.complete = True
        self.exchange.response_done()
