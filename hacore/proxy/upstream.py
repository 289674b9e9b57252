"""Connecting to a server for one client (configuration.txt §4.2 "retries", "option
redispatch", "timeout connect"): the chosen server first; after a failure HAProxy waits
min(timeout connect, 1 s) and tries the same server again, and with `option redispatch` the
last retry (or every Nth) goes to another server, avoiding the one that failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hacore.proxy.backend import RuntimeBackend, RuntimeServer, retry_target

TURN_AROUND_MAX = 1.0  # seconds, HAProxy's cap on the pause before retrying the same server


IdleTaker = Callable[[RuntimeServer], tuple[asyncio.Transport, asyncio.Protocol] | None]


async def connect(loop: asyncio.AbstractEventLoop, backend: RuntimeBackend, key: int | None,
                  client_port: int, factory: Callable[[], asyncio.Protocol], *,
                  idle: IdleTaker | None = None,
                  chosen: RuntimeServer | None = None,
                  failed: Callable[[RuntimeServer, int], None] | None = None,
                  queued: Callable[[float, int], None] | None = None
                  ) -> tuple[RuntimeServer, asyncio.Transport, asyncio.Protocol] | None:
    """The server and the connected transport, or None when every attempt failed (no
    server, or connect failures beyond `retries`). The server counts the request from the
    moment it is chosen (so that `maxconn` holds while connecting), as HAProxy assigns it.
    The server is chosen first; `idle` may then hand an idle connection to it (HAProxy
    connect_server() looks for reusable connections to the chosen server only). `chosen`: a
    server already picked for this request, its connection already counted. `failed` hears
    of each failed attempt (the server, how many attempts so far), `queued` of a wait in the
    backend's queue (RuntimeBackend.choose_or_wait())."""
    server = chosen or await backend.choose_or_wait(key, queued)
    attempt = 0
    counted = chosen is not None
    while server is not None:
        if not counted:
            backend.pool.take_conn(server.member)
        counted = False
        reused = idle(server) if idle is not None else None
        if reused is not None:
            return server, *reused
        try:
            transport, protocol = await _open(loop, server, client_port, factory,
                                              backend.connect_timeout)
        except asyncio.CancelledError:
            backend.release(server)  # the client left while we were connecting
            raise
        except (OSError, TimeoutError):
            backend.release(server)
            attempt += 1
            if failed is not None:
                failed(server, attempt)
            if attempt > backend.retries:
                return None
            if retry_target(backend, attempt):
                server = backend.choose(key, server)
            else:
                await asyncio.sleep(min(backend.connect_timeout, TURN_AROUND_MAX))
            continue
        return server, transport, protocol
    return None


async def _open(loop: asyncio.AbstractEventLoop, server: RuntimeServer, client_port: int,
                factory: Callable[[], asyncio.Protocol], timeout: float | None
                ) -> tuple[asyncio.Transport, asyncio.Protocol]:
    """One connection attempt under `timeout connect`: TimeoutError when it runs out. One
    TimerHandle cancels the task, as asyncio.timeout() would at three times the cost (it
    asks for the running loop thrice, a getpid() each on CPython 3.11)."""
    port = server.config.port or client_port  # no port: the one the client connected to
    tls = server.tls
    hostname = (server.config.sni or server.config.host) if tls is not None else None
    opening = loop.create_connection(factory, server.address, port, ssl=tls,
                                     server_hostname=hostname)
    if timeout is None:
        return await opening
    task = asyncio.current_task(loop)
    assert task is not None
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = loop.call_later(timeout, expire)
    try:
        return await opening
    except asyncio.CancelledError:
        if expired and task.uncancel() == 0:
            raise TimeoutError from None  # ours: the attempt timed out
        raise  # the caller's
    finally:
        timer.cancel()
