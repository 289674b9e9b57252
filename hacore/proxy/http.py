"""`mode http`: HTTP/1.x requests from one client connection, each routed, balanced and sent
to a server, the response streamed back (asyncio Protocols and httptools, no streams).

Per request (an Exchange): http-request rules and redirects may answer at once; otherwise the
routed backend picks a server (by URI or source for hash algorithms), the head goes out with
`x-forwarded-for` when asked and `connection: close` (the server connection lasts one
request: http-server-close), the body follows as it arrives (re-chunked when chunked).
Pipelined requests wait their turn. Timeouts: `timeout http-request` for a complete head
(408), `timeout client` for client inactivity, `timeout server` for the response (504),
`timeout http-keep-alive` between requests (silent close). Errors are HAProxy's own pages.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import cast

import httptools

from hacore.config.haproxy_model import ForwardFor, KeepAliveMode
from hacore.http.errors import ERRORS, with_close
from hacore.http.message import LAST_CHUNK, RequestHead, append_forwarded_for, chunk
from hacore.proxy.accesslog import http_line
from hacore.proxy.backend import RuntimeBackend, RuntimeServer
from hacore.proxy.frontend import RuntimeFrontend
from hacore.proxy.http_rules import RequestRules, ResponseRules
from hacore.proxy.http_upstream import HttpUpstream
from hacore.proxy.idle import IdleTimer, seconds
from hacore.proxy.splice import Splice, SpliceEnd, adopt
from hacore.proxy.upstream import connect
from hacore.proxy.views import address_facts

# Built-in pages HAProxy generates (errorfile contents, sent verbatim, are not among them).
GENERATED = frozenset(page for code, page in ERRORS.items() if code not in (400, 408))


class Exchange:
    """One request and its response."""

    __slots__ = ("backend", "body_done", "bytes_out", "client", "head", "keep_alive",
                 "pending", "retries", "server", "server_name", "server_timer", "status",
                 "task", "times", "upstream")

    def __init__(self, client: HttpClient, head: RequestHead) -> None:
        self.client, self.head = client, head
        self.keep_alive = head.client_wants_keep_alive() and client.keeps_alive
        self.pending: list[bytes] = []
        self.body_done = False
        self.bytes_out = self.status = 0
        self.backend: RuntimeBackend | None = None
        self.server: RuntimeServer | None = None
        self.server_name = "<NOSRV>"  # for the log line, kept after the server is released
        self.upstream: HttpUpstream | None = None
        self.server_timer: IdleTimer | None = None
        self.task: asyncio.Task[None] | None = None
        self.retries = 0
        # loop times for the log's timers: request started, head complete, connect began,
        # connected, response head, end
        now = asyncio.get_running_loop().time()
        self.times = [client.request_started, now, -1.0, -1.0, -1.0, -1.0]

    def start(self) -> None:
        answer = self.client.rules.apply(self.head)
        if answer is not None:
            # HAProxy closes after its error pages (deny...), keeps a redirect alive.
            self.local_response(answer, keep_alive=self.keep_alive and answer[9:10] in b"123")
            return
        backend = self.client.frontend.backend_for(self.head)
        if backend is None:
            self.local_response(self.client.frontend.pages[503], keep_alive=False)
            return
        self.backend = backend
        append_forwarded_for(self.head, self.client.forwardfor(backend))
        self.client.transport.pause_reading()
        self.task = asyncio.get_running_loop().create_task(self._connect(backend))

    async def _connect(self, backend: RuntimeBackend) -> None:
        key = backend.uri_key(self.head.target.encode("latin-1"))
        if key is None:
            key = backend.source_key(self.head.src_family, self.head.src)
        loop = asyncio.get_running_loop()
        self.times[2] = loop.time()
        result = await connect(backend, key, self.head.dst_port, lambda: HttpUpstream(self))
        self.times[3] = loop.time()
        if result is None:
            self.local_response(backend.pages[503], keep_alive=False)
            return
        self.server, transport, protocol = result
        self.server_name = self.server.name
        self.server.sessions.add(self)
        self.upstream = cast(HttpUpstream, protocol)
        self.server_timer = IdleTimer(backend.server_timeout(None), self._server_timed_out)
        transport.write(self.head.serialize("upgrade" if self.head.upgrade else "close"))
        for piece in self.pending:
            transport.write(piece)
        self.pending.clear()
        self.client.transport.resume_reading()

    def request_body(self, data: bytes) -> None:
        piece = chunk(data) if self.head.chunked else data
        transport = self.upstream.transport if self.upstream is not None else None
        if transport is None:
            self.pending.append(piece)
        else:
            transport.write(piece)

    def request_done(self) -> None:
        self.body_done = True
        if self.head.chunked:
            self.request_body_raw(LAST_CHUNK)

    def request_body_raw(self, data: bytes) -> None:
        transport = self.upstream.transport if self.upstream is not None else None
        if transport is None:
            self.pending.append(data)
        else:
            transport.write(data)

    def write(self, data: bytes) -> None:
        self.bytes_out += len(data)
        self.client.transport.write(data)

    def response_headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """http-response rules: the frontend's, then the backend's (configuration.txt)."""
        rules = self.client.response_rules
        if self.backend is not None and self.backend.name in rules:
            headers = rules[self.backend.name].apply(self.head, headers)
        return rules[""].apply(self.head, headers) if "" in rules else headers

    def tunnel(self, server_early: bytes) -> None:
        """After `101 Switching Protocols` both connections are spliced, under `timeout
        tunnel` when set (configuration.txt §4.2: it "applies when a bidirectional
        connection is established ... upgraded to WebSocket"), until either side closes."""
        client, upstream, backend = self.client, self.upstream, self.backend
        assert upstream is not None and upstream.transport is not None and backend is not None
        if self.server_timer is not None:
            self.server_timer.cancel()
            self.server_timer = None
        self.keep_alive = False
        Splice(client.become_tunnel(), adopt(upstream.transport, server_early),
               *client.frontend.splice_timeouts(backend), self._tunnel_closed)
        client.transport.resume_reading()

    def _tunnel_closed(self, splice: Splice) -> None:
        self.bytes_out += splice.server.received
        assert self.upstream is not None
        self.upstream.complete = True
        self.response_done()
        self.client.frontend.connections.discard(self.client)

    def server_activity(self) -> None:
        if self.server_timer is not None:
            self.server_timer.touch()

    def _server_timed_out(self) -> None:
        self.server_failed(504)

    def server_failed(self, status: int) -> None:
        if self.upstream is not None and self.upstream.started:
            self._release()
            self.client.transport.close()  # the response was cut: nothing else to say
            return
        self._release()
        pages = self.backend.pages if self.backend is not None else self.client.frontend.pages
        self.local_response(pages[status], keep_alive=False)

    def local_response(self, data: bytes, keep_alive: bool) -> None:
        self.keep_alive = keep_alive and self.body_done
        self.status = int(data[9:12]) if data[9:12].isdigit() else 0
        generated = data in GENERATED or data[9:10] == b"3"  # built-in pages and redirects
        if generated and self.head.version == "1.1" and (
                "close" in self.head.tokens("connection")):
            data = with_close(data)
        self.write(data)
        self.response_done()

    def response_done(self) -> None:
        self.times[5] = asyncio.get_running_loop().time()
        self._release()
        self.client.exchange_done(self)

    def _release(self) -> None:
        if self.server_timer is not None:
            self.server_timer.cancel()
            self.server_timer = None
        if self.backend is not None and self.server is not None:
            self.server.sessions.discard(self)
            self.backend.release(self.server)
            self.server = None
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.complete = True
            self.upstream.transport.close()

    def close(self) -> None:
        """on-marked-down shutdown-sessions: the client connection goes too."""
        self.client.transport.close()

    def abort(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self._release()


class HttpClient(asyncio.Protocol):
    __slots__ = ("_exchanges", "_headers", "_receiving", "_url", "accepted", "active",
                 "client_timer", "facts", "frontend", "head_timer", "idle", "keeps_alive",
                 "parser", "peer", "receiving_head", "request_started", "response_rules",
                 "rules", "ssl", "timeouts", "transport", "upgrade_early")

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
