"""`mode tcp`: a client connection spliced to one server connection (asyncio Protocols, no
streams). Flow control both ways: when one side's transport buffers past its high-water mark,
reading from the other side pauses until it drains. Half-closes are passed through. Each side
has an inactivity timeout (`timeout client` / `timeout server`, or `timeout tunnel` for both).
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import cast

from hacore.proxy.accesslog import tcp_line
from hacore.proxy.backend import RuntimeBackend, RuntimeServer
from hacore.proxy.frontend import RuntimeFrontend
from hacore.proxy.idle import IdleTimer
from hacore.proxy.upstream import connect
from hacore.proxy.views import ConnectionView


class ServerSide(asyncio.Protocol):
    __slots__ = ("client", "transport")

    def __init__(self, client: ClientSide) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport: cast, do not check.
        self.transport = transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        timer = self.client.server_timer
        if timer is not None:
            timer.touch()
        self.client.bytes_out += len(data)
        self.client.transport.write(data)

    def eof_received(self) -> bool:
        if self.client.transport.can_write_eof():
            self.client.transport.write_eof()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.server_closed()

    def pause_writing(self) -> None:
        self.client.transport.pause_reading()

    def resume_writing(self) -> None:
        self.client.transport.resume_reading()


class ClientSide(asyncio.Protocol):
    __slots__ = ("accepted", "backend", "bytes_in", "bytes_out", "client_timer", "frontend",
                 "logged", "server", "server_name", "server_timer", "started", "task", "times",
                 "transport", "upstream")

    def __init__(self, frontend: RuntimeFrontend) -> None:
        self.frontend = frontend
        self.bytes_in = self.bytes_out = 0
        self.upstream: ServerSide | None = None
        self.server: RuntimeServer | None = None
        self.backend: RuntimeBackend | None = None
        self.server_name = "<NOSRV>"
        self.logged = False
        self.times = [-1.0, -1.0]  # connect began, connected (loop time)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport: cast, do not check.
        self.transport = transport = cast(asyncio.Transport, transport)
        self.frontend.connections.add(self)
        self.accepted = time.time()
        self.started = asyncio.get_running_loop().time()
        transport.pause_reading()  # nothing to forward to until the server answers
        client_timeout, _ = self.frontend.tcp_timeouts()
        self.client_timer = IdleTimer(client_timeout, self._timed_out)
        self.server_timer: IdleTimer | None = None
        view = ConnectionView(transport.get_extra_info("socket"))
        self.task = asyncio.get_running_loop().create_task(self._connect(view))

    async def _connect(self, view: ConnectionView) -> None:
        backend = self.frontend.backend_for(view)
        if backend is None:
            self._log("no backend")
            self.transport.close()
            return
        self.backend = backend
        self.server_timer = IdleTimer(backend.server_timeout(self.frontend.tcp_timeouts()[1]),
                                      self._timed_out)
        key = backend.source_key(view.src_family, view.src)
        self.times[0] = asyncio.get_running_loop().time()
        result = await connect(backend, key, view.dst_port, lambda: ServerSide(self))
        self.times[1] = asyncio.get_running_loop().time()
        if result is None:
            self._log(f"{backend.name}/<NOSRV> no server could be reached")
            self.transport.close()
            return
        self.server, transport, protocol = result
        self.server_name = self.server.name
        self.server.sessions.add(self)
        assert isinstance(protocol, ServerSide)
        self.upstream = protocol
        if self.transport.is_closing():
            transport.close()
            return
        self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        self.client_timer.touch()
        self.bytes_in += len(data)
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.write(data)

    def eof_received(self) -> bool:
        upstream = self.upstream.transport if self.upstream is not None else None
        if upstream is not None and upstream.can_write_eof():
            upstream.write_eof()
            return True
        return False

    def close(self) -> None:
        """Stop: close both sides; the session leaves its frontend once both are gone."""
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._log_session()
        self.client_timer.cancel()
        if self.server_timer is not None:
            self.server_timer.cancel()
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.close()
        else:
            self.task.cancel()
            self.frontend.connections.discard(self)

    def server_closed(self) -> None:
        if self.backend is not None and self.server is not None:
            self.server.sessions.discard(self)
            self.backend.release(self.server)
            self.server = None
        self.transport.close()
        if self.transport.is_closing():
            self.frontend.connections.discard(self)

    def pause_writing(self) -> None:
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.resume_reading()

    def _timed_out(self) -> None:
        self.transport.close()
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.close()

    def _log_session(self) -> None:
        """One `option tcplog` line per connection; none for an empty one under
        `option dontlognull`."""
        settings = self.frontend.config.settings
        if self.logged or not settings.tcplog or not self.frontend.access_log:
            return
        if settings.dontlognull and not self.bytes_in:
            return
        self.logged = True
        connect, connected = self.times
        now = asyncio.get_running_loop().time()
        peer = self.transport.get_extra_info("peername")
        self.frontend.access_log.emit(tcp_line(
            client=f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "unix",
            accepted=self.accepted, frontend=self.frontend.name,
            backend=self.backend.name if self.backend else self.frontend.name,
            server=self.server_name,
            timers=(0, int((connected - connect) * 1000) if connected >= 0 else -1,
                    int((now - self.started) * 1000)),
            size=self.bytes_out))

    def _log(self, message: str) -> None:
        print(f"[proxy] {self.frontend.name}: {message}", file=sys.stderr, flush=True)
