"""`mode http`: the client connection (asyncio Protocol, no streams). Request heads are
parsed as HAProxy parses them (hacore.http.h1_request; a refused one gets its 400, 413 or 422
and the connection closes), each becomes an Exchange (http_exchange.py), bodies follow by
Content-Length (forwarded as read) or chunked (hacore.http.chunked); pipelined requests wait
their turn. The client-side clocks are haproxy 2.6's: `timeout http-request` for a request
(408), `timeout http-keep-alive` between requests (silent close), `timeout client` while the
client owes data. An Upgrade or CONNECT request may turn the connection into a tunnel.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import cast

from hacore.config.haproxy_model import KeepAliveMode
from hacore.http.chunked import ChunkedDecoder, ChunkError
from hacore.http.h1_request import (
    Framing,
    HeadError,
    check_partial_head,
    find_head_end,
    parse_request_head,
    skip_empty_lines,
)
from hacore.http.message import RequestHead
from hacore.proxy.accesslog import log_http
from hacore.proxy.admission import Listener
from hacore.proxy.backend import RuntimeBackend
from hacore.proxy.frontend import RuntimeFrontend
from hacore.proxy.http_exchange import Exchange
from hacore.proxy.http_rules import RequestRules, ResponseRules
from hacore.proxy.http_upstream import HttpUpstream
from hacore.proxy.idle import IdleTimer, seconds
from hacore.proxy.splice import SpliceEnd, adopt
from hacore.proxy.views import address_facts


class HttpClient(asyncio.Protocol):
    __slots__ = ("_exchanges", "_receiving", "accepted", "active", "body_left", "buffer",
                 "client_timer", "decoder", "expired", "facts", "frontend", "head_timer", "idle",
                 "keeps_alive", "listener", "loop", "own_idle", "parsing", "peer", "received",
                 "receiving_head", "refused", "request_date", "request_started", "requests",
                 "response_rules",
                 "rules", "server_timer", "shut", "ssl", "switching", "timeouts", "transport",
                 "waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop, frontend: RuntimeFrontend,
                 rules: RequestRules, response_rules: dict[str, ResponseRules],
                 ssl: bool, *, listener: Listener | None = None) -> None:
        self.loop = loop  # kept: asyncio.get_running_loop() costs a getpid() per call
        self.listener = listener  # the socket it came through, for its `maxconn`
        self.frontend, self.rules, self.ssl = frontend, rules, ssl
        self.response_rules = response_rules  # "" = the frontend's, else per backend name
        self.keeps_alive = frontend.config.settings.keep_alive is not KeepAliveMode.CLOSE
        self._exchanges: deque[Exchange] = deque()
        self.active: Exchange | None = None
        self._receiving: Exchange | None = None  # the exchange whose body is arriving
        self.buffer = bytearray()  # bytes read and not parsed yet
        self.body_left = 0  # Content-Length bytes still due (-1: until the client closes)
        self.decoder: ChunkedDecoder | None = None
        self.refused: bytes | None = None  # the error page owed after the exchanges in flight
        self.switching = False  # an Upgrade or CONNECT waits for its answer: stop parsing
        self.receiving_head = self.idle = self.parsing = self.waiting = False
        self.shut = False  # the client shut its side (while waiting for a slot, or after requests)
        self.received = False  # any byte at all (`option dontlognull`)
        self.expired = False  # closed by one of its own timeouts
        self.requests = 0
        self.own_idle: list[HttpUpstream] = []  # `http-reuse never`: this session's own

    def reuse_mode(self, backend: RuntimeBackend) -> str | None:
        """The backend's http-reuse mode, or None when the server side closes after each
        response: `option http-server-close` or `httpclose` in the frontend or the backend."""
        keep_alive = KeepAliveMode.KEEP_ALIVE
        if (self.frontend.config.settings.keep_alive is not keep_alive
                or backend.config.settings.keep_alive is not keep_alive):
            return None
        return backend.config.http_reuse

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        peer, local = transport.get_extra_info("peername"), transport.get_extra_info("sockname")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "unix"
        self.facts = (*address_facts(peer), *address_facts(local))
        self.waiting = not self.frontend.door.admit(self)
        if self.waiting:  # over `maxconn`: as if still in the backlog, unread and untimed
            self.transport.pause_reading()
            self._make_timers(None, None)
        else:
            self._start_clocks()

    def admitted(self) -> None:
        """A session ended: this one, waiting for its slot, starts now."""
        self.waiting = False
        self._start_clocks()
        self.transport.resume_reading()
        self._parse()  # what arrived before reading was paused
        if self.shut and not self.eof_received():  # its FIN, now read as HAProxy would
            self.transport.close()

    def _start_clocks(self) -> None:
        """haproxy 2.6 (mux_h1.c, measured): `timeout http-request` counts from the start of
        a request (the connection's, or a later request's first byte), `timeout client` is
        inactivity, paused while the client is not expected to send; between requests the
        wait is `http-keep-alive`, else `http-request` (only the frontend's count)."""
        self.accepted = self.request_date = time.time()
        self.request_started = self.loop.time()
        timeouts = self.frontend.config.settings.timeouts
        request = seconds(timeouts.http_request)
        self.timeouts = request, seconds(timeouts.http_keep_alive) or request
        self._make_timers(seconds(timeouts.client), request)

    def _make_timers(self, client: float | None, request: float | None) -> None:
        self.client_timer = IdleTimer(self.loop, client, self._timed_out)
        self.head_timer = IdleTimer(self.loop, request, self._timed_out)
        # `timeout server`, set by the server side of each exchange (HttpUpstream.attach()).
        self.server_timer = IdleTimer(self.loop, None, self._server_timed_out)

    def data_received(self, data: bytes) -> None:
        self.client_timer.touch()
        self.received = True
        if self.body_left and not self.buffer:  # the hot path of an upload: as read
            data = self._length_body(data)
        if data:
            self.buffer += data
            self._parse()

    def _parse(self) -> None:
        """Heads and bodies out of the buffer, as long as they are complete."""
        if self.parsing or self.waiting:
            return  # an exchange finished from inside this loop: the loop goes on
        self.parsing = True
        buffer = self.buffer
        try:
            while (buffer and not self.switching and self.refused is None
                   and not self.transport.is_closing()):
                if self.decoder is not None:
                    self._chunked_body()
                elif self.body_left:
                    rest = self._length_body(bytes(buffer))
                    buffer[:] = rest
                elif self.active is not None or self._exchanges:
                    # The next request waits until this one is answered (as HAProxy reads
                    # pipelined requests one at a time): no timer, no parse, no more reading.
                    self.transport.pause_reading()
                    break
                elif not self._head():
                    break
        finally:
            self.parsing = False

    def _head(self) -> bool:
        """Parse one head if it is complete; False when more bytes are needed."""
        buffer = self.buffer
        skip_empty_lines(buffer)
        if not buffer:
            return False
        if not self.receiving_head:  # the first byte of a request
            self.receiving_head, self.idle = True, False
            # the log's date and timers count from here: idle time is not the request's
            # (configuration.txt §8.4: Ti is left out of TR and Ta)
            self.request_started, self.request_date = self.loop.time(), time.time()
            self.head_timer.retime(self.timeouts[0])
            self.client_timer.resume()
        end = find_head_end(buffer)
        if end < 0:
            try:
                check_partial_head(buffer)
            except HeadError as error:
                self._refuse(error.status)
                return False
            if len(buffer) > self.frontend.limits.raw_head:
                self._refuse(400)
            return False
        raw = bytes(buffer[:end])
        del buffer[:end]
        try:
            head, framing = parse_request_head(raw, self.frontend.limits)
        except HeadError as error:
            self._refuse(error.status)
            return False
        self._head_complete(head, framing)
        return True

    def _head_complete(self, head: RequestHead, framing: Framing) -> None:
        self.receiving_head = False
        self.head_timer.pause()
        head.src_family, head.src, head.src_port, head.dst_family, head.dst, head.dst_port = (
            self.facts)
        head.ssl = self.ssl
        self.requests += 1
        exchange = Exchange(self, head)
        if framing.close:  # Transfer-Encoding with Content-Length, or in HTTP/1.0
            exchange.keep_alive, exchange.forced_close = False, True
        self._receiving = exchange
        self._exchanges.append(exchange)
        if framing.chunked:
            self.decoder = ChunkedDecoder()
        elif framing.length:
            self.body_left = framing.length
        else:
            self._message_complete()
        if head.upgrade or head.method == "CONNECT":
            self.switching = True  # what follows is the new protocol's, or the next request
            self.transport.pause_reading()
        self._start_next()

    def _length_body(self, data: bytes) -> bytes:
        """Forward what belongs to a Content-Length body; the rest is returned."""
        if self.body_left < 0 or len(data) < self.body_left:
            self.body_left -= 0 if self.body_left < 0 else len(data)
            if self._receiving is not None:
                self._receiving.request_body(data)
            return b""
        piece, rest = data[:self.body_left], data[self.body_left:]
        self.body_left = 0
        if self._receiving is not None:
            self._receiving.request_body(piece)
        self._message_complete()
        return rest

    def _chunked_body(self) -> None:
        decoder = self.decoder
        assert decoder is not None
        try:
            data = decoder.feed(bytes(self.buffer))
        except ChunkError:
            self.buffer.clear()
            self._refuse(400)
            return
        self.buffer.clear()
        if data and self._receiving is not None:
            self._receiving.request_body(data)
        if decoder.done:
            self.buffer += decoder.rest
            self._message_complete(decoder.trailers)

    def _message_complete(self, trailers: list[tuple[str, str]] | None = None) -> None:
        if self._receiving is not None:
            self._receiving.request_done(trailers or [])
            self._receiving = None
        self.decoder, self.body_left = None, 0
        if self.active is None and not self._exchanges:
            self._wait_next()  # answered early, the body is in now
        else:
            self.client_timer.pause()  # the whole request is in: the client owes nothing now

    def _refuse(self, status: int, termination: str = "PR--") -> None:
        """A request HAProxy refuses while parsing: its page once the exchanges before it
        are answered, then the connection closes (mux_h1.c h1_handle_parsing_error());
        logged as `<BADREQ>` (`CR--` when the client closed its side first)."""
        if self._receiving is None:
            self.log(None, status, termination)
        self.refused = self.frontend.parser_pages[status]
        self.receiving_head = False
        self.transport.pause_reading()
        if self._receiving is not None:  # a body went wrong: the request is cut
            self._receiving.abort()
            self.transport.write(self.refused)
            self.close()
        elif self.active is None and not self._exchanges:
            self.transport.write(self.refused)
            self.close()

    def eof_received(self) -> bool:
        """The client shut its side: an unfinished head is a 400, and so is a connection
        that shut before its first request (haproxy 2.6, measured; after a request it
        closes silently); requests already in go on and the connection closes after their
        responses."""
        if self.waiting:  # as if still in the backlog: read once admitted
            self.shut = True
            return True
        if (self.receiving_head and self.buffer) or (
                not self.requests and self.active is None and not self._exchanges):
            self._refuse(400, "CR--")
            return False
        cut = self._receiving
        if cut is not None and not cut.status:
            # a FIN in the middle of a body its server has not answered: haproxy 2.6 aborts
            # at once, no response, logged `-1 ... CD--` (measured)
            cut.status, cut.termination = -1, "CD--"
            cut.times[5] = self.loop.time()
            cut.abort()  # (its server released before the line, as haproxy counts)
            self.log(cut)
            return False
        # the connection closes after the requests already in, whose responses keep their
        # `connection` header (haproxy 2.6, measured: no `close` is added for the FIN)
        self.shut = True
        # asyncio's TLS transports cannot stay half-open: they close after our answer anyway
        return not self.ssl and (self.active is not None or bool(self._exchanges))

    def _server_timed_out(self) -> None:
        upstream = self.active.upstream if self.active is not None else None
        if upstream is not None:
            upstream.timed_out()

    def _timed_out(self) -> None:
        """A 408 when a request was due (even on a connection that sent nothing yet, as
        haproxy 2.6 answers); a silent close while idle between requests or later on,
        as while the body of an answered request is still due (`cD--`, measured)."""
        upstream = self.active.upstream if self.active is not None else None
        if upstream is not None and not upstream.started and self._receiving is not None:
            # a body stalls while its server owes the response: haproxy 2.6 waits for the
            # server (a 504 at `timeout server`, measured), `timeout client` does not end it
            self.client_timer.pause()
            return
        if self.receiving_head or (self.active is None and not self.idle
                                   and self._receiving is None):
            self.log(None, 408, "cR--")
            self.transport.write(self.frontend.parser_pages[408])
        self.expired = True
        self.close()

    def become_tunnel(self) -> SpliceEnd:
        """This connection leaves HTTP: its timers stop, a splice end takes it over with
        the bytes that followed the request."""
        self.client_timer.close()
        self.head_timer.close()
        self.server_timer.close()
        early = bytes(self.buffer)
        self.buffer.clear()
        self.switching = False
        return adopt(self.transport, early)

    def _start_next(self) -> None:
        if self._exchanges:
            self.active = self._exchanges.popleft()
            self.active.start()

    def exchange_done(self, exchange: Exchange) -> None:
        self.active = None
        if exchange.body_done:  # else logged when the body is in, as haproxy logs
            self.log(exchange)
        self.request_started = self.loop.time()
        if not exchange.keep_alive or (self.shut and not self._exchanges and not self.buffer):
            self.close()
            return
        self.switching = False  # a refused Upgrade: what followed is HTTP again
        if self.refused is not None and not self._exchanges:
            self.transport.write(self.refused)
            self.close()
            return
        if not self._exchanges and not self.receiving_head and self._receiving is None:
            self._wait_next()
        self._start_next()
        if self.active is None and not self.transport.is_closing():
            self.transport.resume_reading()
            self._parse()

    def _wait_next(self) -> None:
        """Idle between requests: `http-keep-alive`, silently."""
        self.idle = True
        self.head_timer.retime(self.timeouts[1])
        self.client_timer.resume()

    def resume(self) -> None:
        """Read the client again, unless a protocol switch awaits its answer."""
        if not self.switching and not self.transport.is_closing():
            self.transport.resume_reading()

    def pause_writing(self) -> None:
        self.client_timer.resume()  # the client must read what we send: `timeout client`
        upstream = self.active.upstream if self.active is not None else None
        if upstream is not None and upstream.transport is not None:
            upstream.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.active is not None and self.active.body_done:
            self.client_timer.pause()
        upstream = self.active.upstream if self.active is not None else None
        if upstream is not None and upstream.transport is not None:
            upstream.transport.resume_reading()

    def close(self) -> None:
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.client_timer.close()
        self.head_timer.close()
        self.server_timer.close()
        cut = [active for active in (self.active, self._receiving)
               if active is not None and active.status and not active.aborted]
        for exchange in {self.active, self._receiving, *self._exchanges}:
            if exchange is not None:
                exchange.abort()
        for active in cut:
            # the client left (or `timeout client` struck) during the response, or before
            # the body of an answered request was in: haproxy logs the request all the
            # same, `CD--` (`cD--`), its server released
            if active.termination == "----":  # (a 504 or 502 keeps its own)
                active.termination = ("c" if self.expired else "C") + "D--"
            active.times[5] = self.loop.time()
            self.log(active)
        for upstream in list(self.own_idle):
            upstream.close()
        self.frontend.door.release(self)

    def log(self, exchange: Exchange | None, status: int = 0, termination: str = "") -> None:
        log_http(self, exchange, status, termination)
