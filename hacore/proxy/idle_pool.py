"""Idle keep-alive connections to one server, shared between client sessions
(configuration.txt §4.2 "http-reuse", "pool-purge-delay"; haproxy 2.6 backend.c
connect_server(), server.c srv_add_to_idle_list() and srv_cleanup_idle_conns()).

Which request may take one (`http-reuse`):
- `safe` (the default): "The first request of a session is always sent over its own
  connection, and only subsequent requests may be dispatched over other existing
  connections" (a failure of a reused connection can then be retried by the browser);
- `aggressive`: first requests too, but only over connections that served two or more
  requests (known to be reusable);
- `always`: any request over any idle connection;
- `never`: not shared at all (the session keeps its own connection, see http.py).

The pool keeps what recent load needs: a connection is admitted while the pool holds fewer
than the estimated need; every `pool-purge-delay` (5 s) half of the surplus over that need is
closed and the estimate follows the peak of used connections (srv_cleanup_idle_conns()).
"""

from __future__ import annotations

from typing import Any, Protocol

PURGE_DELAY = 5.0  # seconds, HAProxy's default pool-purge-delay


class Reusable(Protocol):
    served: int  # requests this connection has carried
    idle_in: list[Any] | None  # the idle list holding it; it leaves by itself when closed

    def close(self) -> None: ...


class IdlePool:
    """Two lists as HAProxy keeps them: `fresh` holds connections that served one request,
    `safe` those that served more (known to survive reuse); each is taken oldest first
    (HAProxy's trees return the first inserted of equal keys)."""

    __slots__ = ("est_need", "fresh", "max_used", "safe", "used")

    def __init__(self) -> None:
        self.fresh: list[Reusable] = []
        self.safe: list[Reusable] = []
        self.used = 0  # connections carrying a request now
        self.max_used = 0  # the peak of `used` since the last purge
        self.est_need = 0  # srv_use_conn(): at least the peak of `used` ever seen

    @property
    def idle(self) -> int:
        return len(self.fresh) + len(self.safe)

    def take(self, mode: str, first_request: bool) -> Reusable | None:
        """connect_server()'s table: a later request tries `fresh` then `safe`; a first
        request nothing under `safe`, only `safe` under `aggressive`, `safe` then `fresh`
        under `always`."""
        if mode == "never" or (first_request and mode == "safe"):
            return None
        order: tuple[list[Reusable], ...]
        if not first_request:
            order = (self.fresh, self.safe)
        elif mode == "aggressive":
            order = (self.safe,)
        else:
            order = (self.safe, self.fresh)
        for idle in order:
            if idle:
                return idle.pop(0)
        return None

    def attach(self) -> None:
        """A connection (new or taken from the pool) starts carrying a request."""
        self.used += 1
        self.max_used = max(self.max_used, self.used)
        self.est_need = max(self.est_need, self.used)

    def detach(self) -> None:
        self.used -= 1

    def admit(self, connection: Reusable) -> bool:
        """After a response (before `detach`): keep it idle, or False and the caller closes
        it (srv_add_to_idle_list(): while no safe connection waits and it is safe or none
        waits at all, or while used + idle stay within the estimated need)."""
        safe = connection.served > 1
        if not ((not self.safe and (safe or not self.fresh))
                or self.used + self.idle <= max(self.used, self.est_need)):
            return False
        idle = self.safe if safe else self.fresh
        idle.append(connection)
        connection.idle_in = idle
        return True

    def purge(self) -> list[Reusable]:
        """One pool-purge-delay tick (srv_cleanup_idle_conns()): half the connections
        beyond the need go, fresh ones first, oldest first."""
        exceed = self.used + self.idle - max(self.max_used, self.est_need)
        self.est_need = max((self.est_need + self.max_used) // 2, self.max_used)
        self.max_used = self.used
        count = (exceed + 1) // 2 if exceed > 0 else 0
        closing: list[Reusable] = []
        for idle in (self.fresh, self.safe):
            taken = idle[:count - len(closing)]
            del idle[:len(taken)]  # the same list objects: parked connections refer to them
            closing.extend(taken)
        return closing

    def all(self) -> list[Reusable]:
        return [*self.fresh, *self.safe]
