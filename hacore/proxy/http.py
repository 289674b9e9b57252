"""`mode http`: the client connection (asyncio Protocol, httptools, no streams). Each
parsed request head becomes an Exchange (http_exchange.py); pipelined requests wait their
turn. The client-side clocks are haproxy 2.6's: `timeout http-request` for a request (408),
`timeout http-keep-alive` between requests (silent close), `timeout client` while the client
owes data. An Upgrade request may turn the connection into a tunnel.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import cast

import httptools

from hacore.config.haproxy_model import ForwardFor, KeepAliveMode
from hacore.http.message import RequestHead
from hacore.proxy.accesslog import http_line
from hacore.proxy.backend import RuntimeBackend
from hacore.proxy.frontend import RuntimeFrontend
from hacore.proxy.http_exchange import Exchange
from hacore.proxy.http_rules import RequestRules, ResponseRules
from hacore.proxy.http_upstream import HttpUpstream
from hacore.proxy.idle import IdleTimer, seconds
from hacore.proxy.splice import SpliceEnd, adopt
from hacore.proxy.views import address_facts


class HttpClient(asyncio.Protocol):
    __slots__ = ("_exchanges", "_headers", "_receiving", "_url", "accepted", "active",
                 "client_timer", "facts", "frontend", "head_timer", "idle", "keeps_alive",
                 "own_idle", "parser", "peer", "receiving_head", "request_started",
                 "requests", "response_rules", "rules", "ssl", "timeouts", "transport",
                 "upgrade_early")

    def __init__(self, frontend: RuntimeFrontend, rules: RequestRules,
                 response_rules: dict[str, ResponseRules], ssl: bool) -> None:
        self.frontend, self.rules, self.ssl = frontend, rules, ssl
        self.response_rules = response_rules  # "" = the frontend's, else per backend name
        self.keeps_alive = frontend.config.settings.keep_alive is not KeepAliveMode.CLOSE
        self._exchanges: deque[Exchange] = deque()
        self.active: Exchange | None = None
        self._receiving: Exchange | None = None
        self._url: list[bytes] = []
        self._headers: list[tuple[str, str]] = []
        self.receiving_head = self.idle = False
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
        self.frontend.connections.add(self)
        self.accepted = time.time()
        self.request_started = asyncio.get_running_loop().time()
        peer, local = transport.get_extra_info("peername"), transport.get_extra_info("sockname")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "unix"
        self.facts = (*address_facts(peer), *address_facts(local))
        self._new_parser()
        # haproxy 2.6 (mux_h1.c, measured): `timeout http-request` counts from the start of a
        # request (the connection's, or a later request's first byte), `timeout client` is
        # inactivity, paused while the client is not expected to send; between requests the
        # wait is `http-keep-alive`, else `http-request` (only the frontend's count).
        timeouts = self.frontend.config.settings.timeouts
        request = seconds(timeouts.http_request)
        self.timeouts = request, seconds(timeouts.http_keep_alive) or request
        self.client_timer = IdleTimer(seconds(timeouts.client), self._timed_out)
        self.head_timer = IdleTimer(request, self._timed_out)

    def _new_parser(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        # RFC 9112 §6.3: with both Transfer-Encoding chunked and Content-Length, chunked
        # wins and Content-Length is dropped when forwarding (HAProxy does the same);
        # llhttp would refuse the request without this leniency.
        self.parser.set_dangerous_leniencies(lenient_chunked_length=True)
        self.upgrade_early: bytes | None = None

    def forwardfor(self, backend: RuntimeBackend) -> ForwardFor | None:
        return self.frontend.config.settings.forwardfor or backend.config.settings.forwardfor

    def data_received(self, data: bytes) -> None:
        self.client_timer.touch()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            # A request asking for another protocol is complete: what follows belongs to
            # that protocol if the server agrees (101), else to the next request.
            self.upgrade_early = data[upgrade.args[0]:]
            self.transport.pause_reading()
        except httptools.HttpParserError:
            self._bad_request()

    def _timed_out(self) -> None:
        """A 408 when a request was due (even on a connection that sent nothing yet, as
        haproxy 2.6 answers); a silent close while idle between requests or later on."""
        if self.receiving_head or (self.active is None and not self.idle):
            self.transport.write(self.frontend.pages[408])
        self.close()

    def become_tunnel(self) -> SpliceEnd:
        """This connection leaves HTTP: its timers stop, a splice end takes it over."""
        self.client_timer.cancel()
        self.head_timer.cancel()
        early, self.upgrade_early = self.upgrade_early or b"", None
        return adopt(self.transport, early)

    def _bad_request(self) -> None:
        if self.active is None or self.active.upstream is None or not self.active.upstream.started:
            self.transport.write(self.frontend.pages[400])
        self.close()

    # httptools request callbacks
    def on_message_begin(self) -> None:
        self._url.clear()
        self._headers = []
        self.receiving_head, self.idle = True, False
        self.head_timer.retime(self.timeouts[0])
        self.client_timer.resume()

    def on_url(self, url: bytes) -> None:
        self._url.append(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1").lower(), value.decode("latin-1").strip()))

    def on_headers_complete(self) -> None:
        self.receiving_head = False
        self.head_timer.pause()
        head = RequestHead(self.parser.get_method().decode("latin-1"),
                           b"".join(self._url).decode("latin-1"),
                           self.parser.get_http_version(), self._headers)
        head.src_family, head.src, head.src_port, head.dst_family, head.dst, head.dst_port = (
            self.facts)
        head.ssl = self.ssl
        self.requests += 1
        exchange = Exchange(self, head)
        self._receiving = exchange
        self._exchanges.append(exchange)
        if self.active is None:
            self._start_next()
        else:
            self.transport.pause_reading()  # pipelined: wait for the one in progress

    def on_body(self, body: bytes) -> None:
        if self._receiving is not None:
            self._receiving.request_body(body)

    def on_message_complete(self) -> None:
        if self._receiving is not None:
            self._receiving.request_done()
            self._receiving = None
        self.client_timer.pause()  # the whole request is in: the client owes nothing now

    def _start_next(self) -> None:
        if self._exchanges:
            self.active = self._exchanges.popleft()
            self.active.start()

    def exchange_done(self, exchange: Exchange) -> None:
        self.active = None
        self._log(exchange)
        self.request_started = asyncio.get_running_loop().time()
        if not exchange.keep_alive:
            self.close()
            return
        if not self._exchanges and not self.receiving_head:
            self.idle = True  # waiting for the next request: `http-keep-alive`, silently
            self.head_timer.retime(self.timeouts[1])
            self.client_timer.resume()
        self._start_next()
        if self.active is None and not self.transport.is_closing():
            self.transport.resume_reading()
        if self.upgrade_early is not None:  # the server refused the switch: HTTP goes on
            early = self.upgrade_early
            self._new_parser()
            if early:
                self.data_received(early)

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
        self.client_timer.cancel()
        self.head_timer.cancel()
        for exchange in (self.active, *self._exchanges):
            if exchange is not None:
                exchange.abort()
        for upstream in list(self.own_idle):
            upstream.close()
        self.frontend.connections.discard(self)

    def _log(self, exchange: Exchange) -> None:
        """One `option httplog` line per request (configuration.txt §8.2.3)."""
        if not self.frontend.config.settings.httplog or not self.frontend.access_log:
            return
        started, head, connect, connected, response, end = exchange.times
        def ms(a: float, b: float) -> int:
            return int((b - a) * 1000) if a >= 0 and b >= 0 else -1
        head_line = exchange.head
        self.frontend.access_log.emit(http_line(
            client=self.peer, accepted=self.accepted, frontend=self.frontend.name
            + ("~" if self.ssl else ""),
            backend=exchange.backend.name if exchange.backend else self.frontend.name,
            server=exchange.server_name,
            timers=(ms(started, head), 0, ms(connect, connected), ms(connected, response),
                    ms(started, end)),
            status=exchange.status, size=exchange.bytes_out, retries=exchange.retries,
            request=f"{head_line.method} {head_line.target} HTTP/{head_line.version}"))
