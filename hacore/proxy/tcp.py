"""`mode tcp`: a client connection spliced to one server connection (hacore.proxy.splice:
flow control, half-closes, `timeout client`/`server` or `tunnel` for both, `client-fin` and
`server-fin`). Until the server answers, the client is not read and `timeout client` runs.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import cast

from hacore.proxy.accesslog import connection_counters, tcp_line
from hacore.proxy.admission import Listener
from hacore.proxy.backend import RuntimeBackend, RuntimeServer
from hacore.proxy.frontend import RuntimeFrontend
from hacore.proxy.idle import IdleTimer
from hacore.proxy.splice import Splice, SpliceEnd, adopt
from hacore.proxy.upstream import connect
from hacore.proxy.views import ConnectionView


class ClientSide(asyncio.Protocol):
    """The client connection until its server answers; then both are spliced."""

    __slots__ = ("accepted", "backend", "client_timer", "early", "early_size", "frontend", "listener",
                 "logged", "queued", "retries", "server", "server_name", "shut", "splice",
                 "started",
                 "task", "termination", "times", "transport")

    def __init__(self, frontend: RuntimeFrontend, listener: Listener | None = None) -> None:
        self.frontend, self.listener = frontend, listener
        self.splice: Splice | None = None
        self.server: RuntimeServer | None = None
        self.backend: RuntimeBackend | None = None
        self.server_name = "<NOSRV>"
        self.logged = False
        self.retries = 0
        self.queued: tuple[int, int] | None = None  # waited in the queue: Tw, backend_queue
        self.termination = "--"  # tcplog's session state when no splice set it
        self.times = [-1.0, -1.0]  # connect began, connected (loop time)
        self.early: list[bytes] = []  # read while the server is being connected
        self.early_size = 0
        self.shut = False  # the client sent its FIN before the splice
        self.task: asyncio.Task[None] | None = None
        self.client_timer: IdleTimer | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport: cast, do not check.
        self.transport = cast(asyncio.Transport, transport)
        self.transport.pause_reading()  # unread until admitted, as if still in the backlog
        if self.frontend.door.admit(self):
            self.admitted()  # else it waits, over `maxconn`, as if still in the backlog

    def admitted(self) -> None:
        loop = asyncio.get_running_loop()
        self.accepted = time.time()
        self.started = loop.time()
        self.client_timer = IdleTimer(loop, self.frontend.tcp_timeouts()[0], self.close)
        view = ConnectionView(self.transport.get_extra_info("socket"))
        self.task = loop.create_task(self._connect(view))
        self.transport.resume_reading()  # one buffer is read while connecting, as haproxy

    async def _connect(self, view: ConnectionView) -> None:
        backend = self.frontend.backend_for(view)
        if backend is None:
            self._log("no backend")
            self.transport.close()
            return
        self.backend = backend
        key = backend.source_key(view.src_family, view.src)
        loop = asyncio.get_running_loop()
        self.times[0] = loop.time()
        result = await connect(loop, backend, key, view.dst_port, SpliceEnd,
                               failed=self._attempt_failed, queued=self._queued)
        self.times[1] = loop.time()
        if result is None:
            # the log names the last server tried and the retries; `sQ` when the queue
            # timed out
            self.termination = ("sQ" if self.queued is not None
                                and self.server_name == "<NOSRV>" else "SC")
            self._log(f"{backend.name}/<NOSRV> no server could be reached")
            self.transport.close()
            return
        self.server, transport, protocol = result
        self.server_name = self.server.name
        self.server.sessions.add(self)
        if self.transport.is_closing():
            transport.close()
            return
        assert self.client_timer is not None  # set when admitted
        self.client_timer.close()
        self.splice = Splice(adopt(self.transport, b"".join(self.early)), cast(SpliceEnd, protocol),
                             *self.frontend.splice_timeouts(backend),
                             self._spliced_closed)
        if self.shut:  # its FIN follows its bytes to the server, as haproxy passes it on
            self.splice.client.eof_received()
        self.transport.resume_reading()

    def _queued(self, waited: float, position: int) -> None:
        """Out of the backend's queue: Tw is that wait, Tc starts now."""
        self.queued = (int(waited * 1000), position)
        self.times[0] = asyncio.get_running_loop().time()

    def _attempt_failed(self, server: RuntimeServer, attempt: int) -> None:
        self.server_name, self.retries = server.name, attempt - 1

    def data_received(self, data: bytes) -> None:
        """What the client sends while its server is being connected waits for it, up to
        one buffer (`tune.bufsize`) before reading pauses (haproxy reads its request
        buffer meanwhile: a session the queue times out has sent data, and is logged)."""
        self.early.append(data)
        self.early_size += len(data)
        if self.early_size >= self.frontend.limits.bufsize:
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        """The client shut its side before its server answered: what it sent still goes to
        the server (haproxy 2.6 forwards it), then the FIN; the connection stays open for
        the server's answer."""
        self.shut = True
        return True

    def close(self) -> None:
        """Stop: close both sides; the session leaves its frontend once both are gone."""
        if self.splice is not None:
            self.splice.close()
        else:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        """The client left before its server answered."""
        if self.client_timer is not None:
            self.client_timer.close()
        if self.task is not None:
            self.task.cancel()
        self._release()
        self._log_session()
        self.frontend.door.release(self)

    def _spliced_closed(self, splice: Splice) -> None:
        self._release()
        self._log_session()
        self.frontend.door.release(self)

    def _release(self) -> None:
        if self.backend is not None and self.server is not None:
            self.server.sessions.discard(self)
            self.backend.release(self.server)
            self.server = None

    def _log_session(self) -> None:
        """One `option tcplog` line per connection; none for an empty one under
        `option dontlognull`."""
        settings = self.frontend.config.settings
        if self.logged or not settings.tcplog or not self.frontend.access_log:
            return
        if self.client_timer is None:
            return  # never admitted (over `maxconn`): for HAProxy it was never accepted
        bytes_in, bytes_out = ((self.splice.client.received, self.splice.server.received)
                               if self.splice is not None
                               else (self.early_size, 0))
        if settings.dontlognull and not bytes_in:
            return
        self.logged = True
        connect, connected = self.times
        now = asyncio.get_running_loop().time()
        peer = self.transport.get_extra_info("peername")
        waited, queue = self.queued or (0, 0)
        self.frontend.access_log.emit(tcp_line(
            client=f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "unix",
            accepted=self.accepted, frontend=self.frontend.name,
            backend=self.backend.name if self.backend else self.frontend.name,
            server=self.server_name,
            timers=(waited, int((connected - connect) * 1000)
                    if connected >= 0 and self.termination not in ("SC", "sQ") else -1,
                    int((now - self.started) * 1000)),
            size=bytes_out,
            counters=connection_counters(self.frontend.door, self.backend, self.server_name),
            retries=self.retries, queue=queue,
            termination=self.splice.termination if self.splice is not None
            else self.termination))

    def _log(self, message: str) -> None:
        print(f"[proxy] {self.frontend.name}: {message}", file=sys.stderr, flush=True)
