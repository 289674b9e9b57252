"""Two connections spliced: what one end reads, the other end writes (HAProxy's tunnel phase:
every `mode tcp` session, and an HTTP connection after `101 Switching Protocols` or an
accepted CONNECT). asyncio Protocols, no streams.

Flow control both ways: when one end's transport buffers past its high-water mark, reading
from the other end pauses until it drains. A half-close (FIN) is passed through, and the end
it was passed to then lives under its `-fin` timeout when one is set (configuration.txt §4.2
"timeout client-fin": "the inactivity timeout on the client side for half-closed
connections"; haproxy 2.6 applies it once the server's FIN went to the client, and
`server-fin` once the client's FIN went to the server, even over `timeout tunnel`). Each end
has its own inactivity timer; when it expires, or when either end is gone, both close.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import cast

from hacore.proxy.idle import IdleTimer


class SpliceEnd(asyncio.Protocol):
    """One connection of a splice. It can exist before its peer (a server that speaks first
    while the client side is being attached): what it reads meanwhile is kept."""

    __slots__ = ("early", "fin_timeout", "finished", "lost", "peer", "received", "splice",
                 "timer", "transport")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: SpliceEnd | None = None
        self.splice: Splice | None = None
        self.timer: IdleTimer | None = None
        self.fin_timeout: float | None = None
        self.early: list[bytes] = []
        self.received = 0
        self.lost = self.finished = False  # finished: it sent its FIN

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport: cast, do not check.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        peer = self.peer
        if peer is None:
            self.early.append(data)
            return
        assert self.timer is not None and peer.transport is not None  # set with the peer
        self.timer.touch()
        peer.transport.write(data)

    def eof_received(self) -> bool:
        self.finished = True
        peer = self.peer
        if peer is not None and peer.finished and self.splice is not None:
            self.splice.close()  # both sides are done sending: the session is over
            return False
        if peer is None or peer.transport is None or not peer.transport.can_write_eof():
            return False
        peer.transport.write_eof()
        if peer.timer is not None and peer.fin_timeout:
            # The peer's side is now half-closed by us: its -fin timeout governs it (measured
            # against haproxy 2.6: the client's FIN starts `timeout server-fin`).
            peer.timer.retime(peer.fin_timeout)
        return True  # keep reading the other way

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.timer is not None:
            self.timer.close()
        if self.splice is not None:
            self.splice.end_lost(self)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def adopt(transport: asyncio.Transport, early: bytes = b"") -> SpliceEnd:
    """A SpliceEnd taking over an open connection from its current protocol, with bytes
    that protocol read but that belong to the tunnel (what followed an Upgrade head)."""
    end = SpliceEnd()
    end.connection_made(transport)
    transport.set_protocol(end)
    if early:
        end.data_received(early)
    return end


class Splice:
    """A client end and a server end; `finished` runs once, when both are closed."""

    __slots__ = ("client", "finished", "open_ends", "server", "termination")

    def __init__(self, client: SpliceEnd, server: SpliceEnd,
                 timeouts: tuple[float | None, float | None],
                 fin_timeouts: tuple[float | None, float | None],
                 finished: Callable[[Splice], None]) -> None:
        """Both ends connected; what either read before (its `early` bytes) goes out now."""
        self.finished = finished
        self.client, self.server = client, server
        self.open_ends = 2
        # tcplog's session state (configuration.txt 8.5): `cD`/`sD` when a side's timeout
        # ended it, else `--` (a reset after the data is logged `--` by haproxy 2.6 too)
        self.termination = "--"
        loop = asyncio.get_running_loop()
        for end, peer, timeout, fin in ((client, server, timeouts[0], fin_timeouts[0]),
                                        (server, client, timeouts[1], fin_timeouts[1])):
            end.splice, end.peer, end.fin_timeout = self, peer, fin
            end.timer = IdleTimer(loop, timeout, functools.partial(self._expired, end))
        for end, peer in ((client, server), (server, client)):
            if peer.transport is not None:
                for data in end.early:
                    peer.transport.write(data)
            end.early.clear()
        for end in (client, server):
            if end.lost:  # gone before the splice: the other one follows
                self.end_lost(end)

    def _expired(self, end: SpliceEnd) -> None:
        if self.termination == "--":
            self.termination = "cD" if end is self.client else "sD"
        self.close()

    def end_lost(self, end: SpliceEnd) -> None:
        """One connection is gone: the other follows (after writing what it buffered)."""
        end.splice = None
        self.open_ends -= 1
        other = self.server if end is self.client else self.client
        other.close()
        if self.open_ends == 0:
            self.finished(self)

    def close(self) -> None:
        self.client.close()
        self.server.close()
