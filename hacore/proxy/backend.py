"""A backend at run time: its pool of servers, how requests are keyed for hash algorithms,
and the connection settings HAProxy derives (configuration.txt §4.2 retries, redispatch,
timeouts). Built once from the configuration model; the hot path only calls `choose()`.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from hacore.balance.base import PoolServer
from hacore.balance.pool import ServerPool
from hacore.balance.registry import HashKey, build_pool
from hacore.config.haproxy_model import Backend, Server
from hacore.proxy.errorpages import load_pages
from hacore.proxy.idle import seconds
from hacore.proxy.idle_pool import IdlePool
from hacore.proxy.resolve import resolve_host

# HAProxy's defaults when a timeout is not set: connect and queue have none (infinite)
# and warn; hacore bounds them so that a forgotten setting cannot hang a client forever.
DEFAULT_CONNECT_MS = 5000


class Closable(Protocol):
    def close(self) -> None: ...


@dataclass(eq=False, slots=True)
class RuntimeServer:
    config: Server
    member: PoolServer
    tls: ssl.SSLContext | None = None
    address: str = ""  # where connections and checks go: the name resolved at start
    # What is using the server now (HTTP exchanges, TCP sessions), for on-marked-down.
    sessions: set[Closable] = field(default_factory=set)
    idle: IdlePool = field(default_factory=IdlePool)  # keep-alive connections between requests

    @property
    def name(self) -> str:
        return self.config.name


def server_tls(server: Server) -> ssl.SSLContext | None:
    """`server ... ssl [verify none|required] [ca-file <file>] [sni <name>]`: TLS towards the
    server. HAProxy 2.6 verifies by default (the configuration refuses that without a
    `ca-file`); `verify none` never."""
    if not server.ssl:
        return None
    verify = server.verify or "required"
    if verify == "none":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context = ssl.create_default_context(cafile=server.ca_file)
    context.check_hostname = server.sni is not None
    return context


class RuntimeBackend:
    __slots__ = ("_server_side", "by_member", "by_name", "config", "connect_timeout",
                 "dequeued", "hash_key", "in_queue", "name", "pages", "pool", "queue_timeout",
                 "redispatch", "response_rules", "retries", "servers", "waiting")

    def __init__(self, config: Backend, rng: random.Random | None = None) -> None:
        self.config = config
        self.name = config.name
        self.servers = [RuntimeServer(s, PoolServer(s.name, puid, s.weight, s.backup, s.maxconn,
                                                    up=not s.disabled), server_tls(s),
                                      resolve_host(s.host) or s.host)
                        for puid, s in enumerate(config.servers, start=1)]
        self.by_member = {id(s.member): s for s in self.servers}
        self.by_name = {s.name: s for s in self.servers}
        source = rng or random.Random()
        self.pool, self.hash_key = build_pool(config.balance, [s.member for s in self.servers],
                                              config.allbackups, lambda: source.getrandbits(32))
        timeouts = config.settings.timeouts
        self.connect_timeout = (timeouts.connect or DEFAULT_CONNECT_MS) / 1000
        # configuration.txt "timeout queue": defaults to timeout connect.
        self.queue_timeout = (timeouts.queue or timeouts.connect or DEFAULT_CONNECT_MS) / 1000
        self._server_side = seconds(timeouts.tunnel) or seconds(timeouts.server)
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.in_queue = 0  # requests inside choose_or_wait()'s wait, woken or not
        self.dequeued = 0  # requests that ever left the queue (haproxy's queue.idx)
        self.retries = config.retries
        self.redispatch = config.redispatch
        self.response_rules = list(config.settings.http_response_rules)
        self.pages = load_pages(config.settings.errorfiles)

    def choose(self, key: int | None, avoid: RuntimeServer | None) -> RuntimeServer | None:
        member = self.pool.pick(key, None if avoid is None else avoid.member)
        return None if member is None else self.by_member[id(member)]

    async def choose_or_wait(self, key: int | None,
                             queued: Callable[[float, int], None] | None = None
                             ) -> RuntimeServer | None:
        """A server with room; when every usable one is at its `maxconn`, wait in the
        backend's queue (first come, first served) up to `timeout queue`; None: no usable
        server, or the wait timed out (the caller answers 503, as HAProxy does). A request
        that waited tells `queued` how long and how many requests left the queue meanwhile,
        itself included (the log's Tw and backend_queue, haproxy's queue.idx delta)."""
        loop = asyncio.get_running_loop()
        began = loop.time()
        deadline, first_ticket = began + self.queue_timeout, -1
        try:
            while True:
                server = self.choose(key, None)
                if server is None and not self._any_usable():
                    return None
                if server is not None and not server.member.full:
                    return server
                if first_ticket < 0:
                    first_ticket = self.dequeued
                waiter = loop.create_future()
                self.waiting.append(waiter)
                self.in_queue += 1
                try:
                    await asyncio.wait_for(waiter, max(0.0, deadline - loop.time()))
                except TimeoutError:
                    return None
                finally:
                    self.in_queue -= 1
                    self.dequeued += 1
                    if waiter in self.waiting:
                        self.waiting.remove(waiter)
        finally:
            if first_ticket >= 0 and queued is not None:
                queued(loop.time() - began, self.dequeued - first_ticket)

    def active(self) -> int:
        """haproxy's beconn: requests on the servers and in the queue."""
        return sum(s.member.served for s in self.servers) + self.in_queue

    def _any_usable(self) -> bool:
        return any(s.member.usable for s in self.servers)

    def wake_all(self) -> None:
        """A server changed state: every queued request looks for a server again (HAProxy
        redistributes a DOWN server's queue, pendconn_redistribute())."""
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def release(self, server: RuntimeServer) -> None:
        """A connection or request on `server` ended: count it, wake the first waiter."""
        self.pool.drop_conn(server.member)
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                break

    def server_timeout(self, tunnel: float | None) -> float | None:
        """Server-side inactivity in seconds: `timeout tunnel` when the frontend set one for
        a tunnel, else this backend's `timeout server`."""
        return self._server_side or tunnel

    def source_key(self, family: int, address: int) -> int | None:
        if self.hash_key is None or self.hash_key.kind != "source":
            return None
        return self.hash_key.for_source(family, address)

    def uri_key(self, target: str) -> int | None:
        if self.hash_key is None or self.hash_key.kind != "uri":
            return None
        return self.hash_key.for_uri(target.encode("latin-1"))

    def uses(self, kind: str) -> bool:
        return self.hash_key is not None and self.hash_key.kind == kind


def retry_target(backend: RuntimeBackend, attempt: int) -> bool:
    """True when retry number `attempt` (1-based) must go to another server: `option
    redispatch` alone redispatches on the last retry, `redispatch N` every Nth retry."""
    if backend.redispatch is None or backend.redispatch == 0:
        return False
    if backend.redispatch < 0:
        return attempt == backend.retries
    return attempt % backend.redispatch == 0


__all__ = ["HashKey", "RuntimeBackend", "RuntimeServer", "ServerPool", "retry_target"]
