"""Client sessions within `maxconn` (configuration.txt 2.6): the global one, "Proxies will stop
accepting connections when this limit is reached", by default computed from the file
descriptor limit (haproxy.c compute_ideal_maxconn()); a frontend's, "Excess connections will
be queued by the system in the socket's listen queue and will be served once a connection
closes", by default the global value; a `bind` line's, for its sockets, by default the
frontend's. The listen() backlog is the bind's `backlog`, else the frontend's, else its maxconn.

HAProxy stops accepting; an event-loop server cannot pause, so each listener serves a
duplicate of its bound socket: to stop, the server closes its duplicate while the socket
itself stays open and listening (the kernel keeps queueing handshakes in its backlog); to go
on, a new server takes a new duplicate. Connections the loop had accepted in the same batch
wait for a slot unread, without timers, as they would in the backlog.
"""

from __future__ import annotations

import asyncio
import resource
import socket
from collections import deque
from collections.abc import Callable
from ssl import SSLContext
from typing import Protocol

FDS_PER_SESSION = 2  # a client and a server connection
RESERVED_FDS = 3  # the event loop's own descriptors
RETRY_DELAY = 0.1  # seconds before a listener that could not restart tries again


class Session(Protocol):
    listener: Listener | None  # the socket it came through (None: no limit of its own)

    def admitted(self) -> None: ...

    def close(self) -> None: ...


def ideal_maxconn(sockets: int) -> int:
    """The global maxconn HAProxy computes when none is set: the descriptor limit, less the
    listening and check sockets and the poller's own, shared by two per session."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = max(soft, hard) if hard != resource.RLIM_INFINITY else soft
    return max(1, (limit - sockets - RESERVED_FDS) // FDS_PER_SESSION)


def raise_fd_limit(maxconn: int, sockets: int) -> None:
    """As HAProxy adjusts ulimit-n to maxconn: the soft descriptor limit goes up to what
    `maxconn` sessions need, within the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = maxconn * FDS_PER_SESSION + sockets + RESERVED_FDS
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class Listener:
    """One `bind` socket and the event-loop server accepting on a duplicate of it."""

    __slots__ = ("adopting", "backlog", "closed", "factory", "paused", "server", "slots", "sock",
                 "ssl", "stale", "starting")

    def __init__(self, sock: socket.socket, factory: Callable[[Listener], asyncio.Protocol],
                 ssl: SSLContext | None, backlog: int, maxconn: int | None = None) -> None:
        self.sock, self.factory, self.ssl, self.backlog = sock, factory, ssl, backlog
        self.slots = Slots(maxconn) if maxconn else None  # `bind ... maxconn`
        self.server: asyncio.Server | None = None
        self.stale: list[asyncio.Server] = []  # paused asyncio servers, closed at the next start
        self.starting: asyncio.Task[None] | None = None
        self.adopting: set[asyncio.Task[object]] = set()
        self.paused = self.closed = False

    async def start(self) -> None:
        """Accept on a new duplicate of the socket."""
        server = await asyncio.get_running_loop().create_server(
            lambda: self.factory(self), sock=self.sock.dup(), ssl=self.ssl, backlog=self.backlog)
        self._drop_stale()
        if self.paused or self.closed:  # paused again while the server was being made
            self._stop(server)
        else:
            self.server = server

    def pause(self) -> None:
        self.paused = True
        if self.server is not None:
            self._stop(self.server)
            self.server = None

    def _stop(self, server: asyncio.Server) -> None:
        """The socket keeps listening either way. asyncio's loops poll it as a reader: it
        leaves the poll and the server stays (closing it would refuse the connections of its
        last accept batch not attached yet) until the next start; uvloop's server closes."""
        loop = asyncio.get_running_loop()
        if any([loop.remove_reader(each.fileno()) for each in server.sockets]):
            self.stale.append(server)
        else:
            server.close()

    def _drop_stale(self) -> None:
        for server in self.stale:
            server.close()
        self.stale.clear()

    def resume(self) -> None:
        if self.closed:
            return  # stopping: sessions that end do not reopen it
        self.paused = False
        if self.starting is None or self.starting.done():
            self.starting = asyncio.get_running_loop().create_task(self._restart())

    async def _restart(self) -> None:
        try:
            await self.start()
        except OSError:  # out of descriptors (EMFILE): HAProxy retries its listeners too
            self.paused = True
            asyncio.get_running_loop().call_later(RETRY_DELAY, self.resume)

    async def close(self) -> None:
        """For good. The clients the kernel still queues on the socket are taken in first
        (they wait for a slot of this data plane, which serves them while it drains) rather
        than reset when the socket closes (a reload drops no connection)."""
        self.closed = True
        self.pause()
        if self.starting is not None:
            await asyncio.gather(self.starting, return_exceptions=True)
        self._drop_stale()
        loop = asyncio.get_running_loop()
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:  # nothing queued (EAGAIN), or nothing more to take
                break
            adopting = loop.create_task(loop.connect_accepted_socket(
                lambda: self.factory(self), connection, ssl=self.ssl))
            self.adopting.add(adopting)
            adopting.add_done_callback(self._adopted)
        self.sock.close()

    def _adopted(self, task: asyncio.Task[object]) -> None:
        self.adopting.discard(task)
        if not task.cancelled():
            task.exception()  # a client gone before its TLS handshake: nothing to serve


class Slots:
    """Sessions in progress against a limit: the process's (shared by every frontend) or
    one frontend's."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0

    @property
    def full(self) -> bool:
        return self.used >= self.limit


class Admission:
    """A frontend's door: its sessions, the ones waiting for a slot, its listeners."""

    __slots__ = ("closing", "frontend", "listeners", "peers", "process", "sessions", "waiting")

    def __init__(self, limit: int, process: Slots, peers: list[Admission]) -> None:
        self.frontend = Slots(limit)
        self.process = process
        self.sessions: set[Session] = set()
        self.waiting: deque[Session] = deque()
        self.listeners: list[Listener] = []
        self.peers = peers  # every frontend's door, for the process-wide limit
        peers.append(self)
        self.closing = False  # stopping: nobody else goes in

    def admit(self, session: Session) -> bool:
        """True: the session goes on now; False: it waits until `admitted()` is called."""
        listener = session.listener
        if not self._room(listener) or (
                self.waiting and any(w.listener is listener for w in self.waiting)):
            self.waiting.append(session)
            self._stop_accepting(listener)
            return False
        self._enter(session)
        return True

    def _room(self, listener: Listener | None) -> bool:
        return not (self.frontend.full or self.process.full
                    or (listener is not None and listener.slots is not None
                        and listener.slots.full))

    def _enter(self, session: Session) -> None:
        self.sessions.add(session)
        self._count(session.listener, 1)
        self._stop_accepting(session.listener)

    def _count(self, listener: Listener | None, step: int) -> None:
        self.frontend.used += step
        self.process.used += step
        if listener is not None and listener.slots is not None:
            listener.slots.used += step

    def release(self, session: Session) -> None:
        """The session is over (or left while waiting): its slot goes to who waits."""
        if session in self.sessions:
            self.sessions.discard(session)
            self._count(session.listener, -1)
            for door in self.peers:
                door.open_up()
        elif session in self.waiting:
            self.waiting.remove(session)

    def open_up(self) -> None:
        """Who waits and has room now goes in, in arrival order (per socket); the sockets
        with room and nobody waiting accept again."""
        if self.closing:
            return
        blocked: set[Listener | None] = set()
        for session in list(self.waiting) if self.waiting else ():
            if session not in self.waiting:
                continue  # admitted meanwhile, by a session that ended in admitted()
            listener = session.listener
            if listener in blocked or not self._room(listener):
                blocked.add(listener)  # the later ones of this socket wait behind it
                continue
            self.waiting.remove(session)
            self._enter(session)
            session.admitted()
        for listener in self.listeners:
            if (listener.paused and self._room(listener)
                    and not any(w.listener is listener for w in self.waiting)):
                listener.resume()

    def _stop_accepting(self, listener: Listener | None) -> None:
        """At the process's limit every frontend's sockets, at the frontend's its own, at a
        socket's limit that socket."""
        if self.process.full:
            paused = [each for door in self.peers for each in door.listeners]
        elif self.frontend.full:
            paused = self.listeners
        elif listener is not None and listener.slots is not None and listener.slots.full:
            paused = [listener]
        else:
            return
        for each in paused:
            if not each.paused:
                each.pause()

    def close_all(self) -> None:
        for door in self.peers:  # the data plane stops: no frontend takes anyone in now
            door.closing = True
        for session in (*self.waiting, *self.sessions):
            session.close()
