"""One HTTP request and its response (an Exchange), from the client's parsed head to the
end of the response: http-request rules and redirects may answer at once; otherwise the
routed backend picks a server (by URI or source for hash algorithms), an idle keep-alive
connection to it or a new one carries the head (with `x-forwarded-for` when asked and the
`connection` value haproxy sends), the body follows as it arrives (re-chunked when chunked),
`timeout server` guards the response (504), a 101 turns both sides into a tunnel. Errors
are HAProxy's own pages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from hacore.http.errorfile import parse_errorfile
from hacore.http.errors import ERRORS, with_connection
from hacore.http.message import (
    LAST_CHUNK,
    RequestHead,
    append_forwarded_for,
    chunk,
    htx_size,
    reply_size,
    serialize_response,
)
from hacore.proxy.backend import RuntimeBackend, RuntimeServer
from hacore.proxy.http_upstream import HttpUpstream
from hacore.proxy.splice import Splice, adopt
from hacore.proxy.upstream import connect

if TYPE_CHECKING:
    from hacore.proxy.http import HttpClient

# Built-in pages HAProxy generates (errorfile contents are re-framed instead).
GENERATED = frozenset(page for code, page in ERRORS.items() if code not in (400, 408))
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
MAX_SESSION_SERVER_CONNS = 5  # haproxy's max-session-srv-conns: idle ones a session keeps


class Exchange:
    """One request and its response."""

    __slots__ = ("aborted", "backend", "body_done", "bytes_out", "chosen", "client", "date",
                 "draining", "first", "forced_close", "head", "keep_alive", "logged", "pending",
                 "pending_size", "queued", "retries", "reuse", "server", "server_name", "status",
                 "task",
                 "termination", "then", "times", "upstream")

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
        self.task: asyncio.Task[None] | None = None
        self.retries = 0
        self.queued: tuple[int, int] | None = None  # waited in the queue: Tw, backend_queue
        self.termination = "----"  # the log's session state at close (accesslog.http_line)
        self.first = client.requests == 1  # the first request of its client connection
        self.forced_close = False  # the request's framing closes the connection after it
        self.draining = self.aborted = False
        self.chosen: RuntimeServer | None = None  # counted on, not yet connecting
        self.then: Callable[[], None] | None = None  # held by http-buffer-request
        self.pending_size = 0
        self.reuse: str | None = None  # the http-reuse mode, None: the server side closes
        # loop times for the log's timers: request started, head complete, connect began,
        # connected, response head, end
        self.times = [client.request_started, client.loop.time(), -1.0, -1.0, -1.0, -1.0]
        self.date = client.request_date  # the log's: when the request's first byte came
        self.logged = False

    def start(self) -> None:
        if self.client.frontend.config.settings.buffer_request and self._hold(self.start):
            return
        answer = self.client.rules.apply(self.head)
        if answer is not None:  # deny, return, redirect: the connection stays unless it closes
            (response, closes, verbatim), self.termination = answer
            self.local_response(response, keep_alive=self.keep_alive and not closes,
                                generated=not verbatim)
            return
        backend = self.client.frontend.backend_for(self.head)
        if backend is None:
            self.local_response(self.client.frontend.pages[503], keep_alive=False)
            return
        self.backend = backend
        if backend.config.settings.buffer_request and self._hold(lambda: self._forward(backend)):
            return
        self._forward(backend)

    def _hold(self, then: Callable[[], None]) -> bool:
        """`option http-buffer-request` (configuration.txt §4.2): wait for the whole body (or
        a buffer of it) before going on; an HTTP/1.1 `Expect: 100-continue` is answered here
        and dropped (haproxy 2.6, measured)."""
        if self.body_done or self.pending_size >= self.client.frontend.limits.bufsize:
            return False
        if self.head.version == "1.1" and "100-continue" in self.head.tokens("expect"):
            self.client.transport.write(CONTINUE)
            self.head.del_header("expect")
        self.then = then
        self.client.resume()  # the body must come in
        return True

    def _forward(self, backend: RuntimeBackend) -> None:
        append_forwarded_for(self.head, self.client.frontend.config.settings.forwardfor,
                             backend.config.settings.forwardfor)
        self.reuse = self.client.reuse_mode(backend)
        key = backend.uri_key(self.head.target)
        if key is None:
            key = backend.source_key(self.head.src_family, self.head.src)
        self.times[2] = self.client.loop.time()
        # The hot path: a server with room and an idle connection to it carry the request
        # at once, without a task (the queue, if any, goes first).
        server = backend.choose(key, None) if not backend.waiting else None
        if server is not None and server.member.full:
            server = None
        if server is not None:
            backend.pool.take_conn(server.member)  # counted now: maxconn holds at once
            idle = self._idle_connection(server) if self.reuse is not None else None
            if idle is not None:
                self._connected(server, *idle)
                return
        self.chosen = server
        if not self.body_done:  # the body waits for the server (flow control)
            self.client.transport.pause_reading()
        self.task = self.client.loop.create_task(self._connect(backend, key, server))

    async def _connect(self, backend: RuntimeBackend, key: int | None,
                       chosen: RuntimeServer | None) -> None:
        self.chosen = None  # connect() owns its count from here
        idle = None if self.reuse is None or chosen else self._idle_connection
        result = await connect(self.client.loop, backend, key, self.head.dst_port,
                               lambda: HttpUpstream(self), idle=idle, chosen=chosen,
                               failed=self._attempt_failed, queued=self._queued)
        if result is None:
            # haproxy 2.6 (measured): the client connection stays after this 503; `sQ--`
            # when it waited in the queue until `timeout queue`
            self.termination = ("sQ--" if self.queued is not None
                                and self.server_name == "<NOSRV>" else "SC--")
            self.local_response(backend.pages[503], keep_alive=self.keep_alive)
            return
        self._connected(*result)

    def _queued(self, waited: float, position: int) -> None:
        """Out of the backend's queue: Tw is that wait, Tc starts now."""
        self.queued = (int(waited * 1000), position)
        self.times[2] = self.client.loop.time()

    def _attempt_failed(self, server: RuntimeServer, attempt: int) -> None:
        """A connect to `server` failed: the log names the last server tried, and the
        retries made (haproxy 2.6: `down/s1 ... SC-- .../3` after four attempts)."""
        self.server_name, self.retries = server.name, attempt - 1

    def _connected(self, server: RuntimeServer, transport: asyncio.Transport,
                   protocol: asyncio.Protocol) -> None:
        assert self.backend is not None
        self.times[3] = self.client.loop.time()
        self.server, self.server_name = server, server.name
        server.sessions.add(self)
        server.idle.attach()
        self.upstream = upstream = cast(HttpUpstream, protocol)
        upstream.attach(self, server, self.backend.server_timeout(None))
        transport.write(self.head.serialize(self.head.server_connection(
            self.reuse is not None, self.forced_close)))
        for piece in self.pending:
            transport.write(piece)
        self.pending.clear()
        self.client.resume()  # the rest of the body may come

    def _go_on(self) -> None:
        then, self.then = self.then, None
        if then is not None:
            then()

    def _idle_connection(self, server: RuntimeServer
                         ) -> tuple[asyncio.Transport, asyncio.Protocol] | None:
        """An idle connection to `server` this request may use (idle_pool.py rules; under
        `http-reuse never` only this client's own)."""
        own = self.client.own_idle
        while True:
            if self.reuse == "never":
                upstream = next((u for u in own if u.target is server), None)
                if upstream is not None:
                    own.remove(upstream)
            else:
                upstream = cast(HttpUpstream | None, server.idle.take(self.reuse or "", self.first))
            if upstream is None:
                return None
            if upstream.transport is not None and not upstream.transport.is_closing():
                return upstream.transport, upstream

    def _park(self, upstream: HttpUpstream) -> bool:
        """Keep the server connection for later requests: keep-alive mode, a response that
        ended cleanly and allows it (not to HEAD: llhttp cannot skip its announced body),
        the whole request sent."""
        if (self.reuse is None or self.server is None or not upstream.complete or self.forced_close
                or not upstream.reusable or upstream.switched or not self.body_done
                or self.head.method == "HEAD" or upstream.transport is None
                or upstream.transport.is_closing()):
            return False
        upstream.transport.resume_reading()  # idle, it must still see the server close
        if self.reuse != "never":
            return self.server.idle.admit(upstream)
        own = self.client.own_idle
        if len(own) >= MAX_SESSION_SERVER_CONNS:
            return False
        own.append(upstream)
        upstream.idle_in = own
        return True

    def request_body(self, data: bytes) -> None:
        piece = chunk(data) if self.head.chunked else data
        self.pending_size += len(piece)
        if self.then is not None and self.pending_size >= self.client.frontend.limits.bufsize:
            self._go_on()  # the buffer is full: HAProxy forwards what it has
        self.request_body_raw(piece)

    def request_done(self, trailers: list[tuple[str, str]]) -> None:
        """The request is complete; a chunked one ends with its last chunk and trailers."""
        self.body_done = True
        if self.head.chunked:
            lines = "".join(f"{name}: {value}\r\n" for name, value in trailers)
            self.request_body_raw(b"0\r\n" + lines.encode("latin-1") + b"\r\n"
                                  if trailers else LAST_CHUNK)
        if self.then is not None:
            self._go_on()
        if self.draining and self.upstream is not None and self.upstream.transport is not None:
            self.draining = False
            self.upstream.transport.close()  # after what it buffered
        if self.status and self.client.active is not self:  # answered before its body was in
            self.times[5] = self.client.loop.time()
            self.client.log(self)

    def request_body_raw(self, data: bytes) -> None:
        """To the server as it is, or kept until the server is connected."""
        transport = self.upstream.transport if self.upstream is not None else None
        if transport is None:
            self.pending.append(data)
        elif not transport.is_closing():  # (a server that answered and closed: dropped)
            transport.write(data)

    def write(self, data: bytes) -> None:
        self.client.transport.write(data)

    def response_headers(self, headers: list[tuple[str, str]], status: int, version: str
                         ) -> list[tuple[str, str]]:
        """http-response rules: the backend's, then the frontend's (configuration.txt)."""
        rules = self.client.response_rules
        if self.backend is not None and self.backend.name in rules:
            headers = rules[self.backend.name].apply(self.head, headers, status, version)
        return rules[""].apply(self.head, headers, status, version) if "" in rules else headers

    def tunnel(self, server_early: bytes) -> None:
        """After `101 Switching Protocols` both connections are spliced, under `timeout
        tunnel` when set (configuration.txt §4.2: it "applies when a bidirectional
        connection is established ... upgraded to WebSocket"), until either side closes."""
        client, upstream, backend = self.client, self.upstream, self.backend
        assert upstream is not None and upstream.transport is not None and backend is not None
        upstream.stop_timer()
        self.keep_alive = False
        Splice(client.become_tunnel(), adopt(upstream.transport, server_early),
               *client.frontend.splice_timeouts(backend), self._tunnel_closed)
        client.transport.resume_reading()

    def _tunnel_closed(self, splice: Splice) -> None:
        self.bytes_out += splice.server.received
        assert self.upstream is not None
        self.upstream.complete = True
        self.response_done()
        self.client.frontend.door.release(self.client)

    def server_failed(self, status: int, termination: str) -> None:
        """The server side failed: `termination` is the log's session state (sH-- timeout
        before the head, PH-- invalid head, SH-- closed before it; the phase becomes D
        once the response was under way)."""
        self.termination = termination
        if self.aborted or self.client.transport.is_closing():
            self._release()  # the client is gone: nobody to answer
            return
        if self.upstream is not None and self.upstream.started:
            self.termination = termination[0] + "D--"
            self.times[5] = self.client.loop.time()
            self._release()
            self.client.log(self)
            self.client.transport.close()  # the response was cut: nothing else to say
            return
        self._release()
        pages = self.backend.pages if self.backend is not None else self.client.frontend.pages
        # haproxy 2.6 (measured): after a 502 for an invalid response or a 504 the client
        # connection stays open.
        self.local_response(pages[status], keep_alive=self.keep_alive)

    def local_response(self, data: bytes, keep_alive: bool, generated: bool | None = None
                       ) -> None:
        """A response of the proxy's own, written as haproxy 2.6's H1 output writes any
        (measured): a page it generates gets `close` when the connection closes after it
        (the client asked, HTTP/1.0 by default, httpclose, a body still due) and
        `keep-alive` to an HTTP/1.0 client whose connection stays; an errorfile's contents
        are re-framed (hacore.http.errorfile); a HEAD request gets the head alone."""
        self.keep_alive = keep_alive and self.body_done
        if generated is None:
            generated = data in GENERATED  # a built-in page, unless an errorfile replaced it
        if not generated:
            data = self._errorfile(data)
        else:
            self.bytes_out = reply_size(data, with_body=self.head.method != "HEAD")
            if not self.keep_alive:
                data = with_connection(data, "close")
            elif self.head.version != "1.1":
                data = with_connection(data, "keep-alive")
        self.status = int(data[9:12]) if data[9:12].isdigit() else 0
        if self.head.method == "HEAD":
            data = data[:data.find(b"\r\n\r\n") + 4]
        self.write(data)
        self.response_done()

    def _errorfile(self, data: bytes) -> bytes:
        reply = parse_errorfile(data)
        if reply is None:  # an empty errorfile: nothing is sent, the connection closes
            self.keep_alive = False
            return b""
        self.keep_alive = self.keep_alive and reply.framed and not reply.close
        self.bytes_out = htx_size(reply.status, reply.reason, reply.headers) + (
            len(reply.body) if self.head.method != "HEAD" else 0)
        return serialize_response(reply.version, reply.status, reply.reason,
                                  list(reply.headers), keep_alive=self.keep_alive,
                                  client_version=self.head.version) + reply.body

    def response_done(self) -> None:
        self.times[5] = self.client.loop.time()
        self._release()
        self.client.exchange_done(self)

    def _release(self) -> None:
        upstream = self.upstream
        if upstream is not None and upstream.transport is not None:
            upstream.stop_timer()
            if upstream.complete and not self.body_done and not self.aborted:
                self.draining = True  # answered early: the body still goes (haproxy does)
            elif not self._park(upstream):
                upstream.close_after(clean=upstream.complete and self.body_done)
        if self.backend is not None and self.server is not None:
            self.server.sessions.discard(self)
            self.server.idle.detach()
            self.backend.release(self.server)
            self.server = None

    def close(self) -> None:
        """on-marked-down shutdown-sessions: the client connection goes too."""
        self.client.transport.close()

    def abort(self) -> None:
        self.aborted = True
        if self.chosen is not None and self.backend is not None:  # its task never ran
            self.backend.release(self.chosen)
            self.chosen = None
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self._release()
