"""The server as balancing sees it, and the interface every algorithm implements
(HAProxy's `struct lbprm` operations: set_server_status_up/down, update_server_eweight,
server_take_conn/drop_conn, get_next_server/get_server_hash)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol

# HAProxy include/haproxy/backend-t.h and server-t.h: user weights 0..256 are scaled by 16 for
# the dynamic algorithms, so effective weights go up to 4096.
BE_WEIGHT_SCALE = 16
SRV_UWGHT_MAX = 256
SRV_UWGHT_RANGE = 256
SRV_EWGHT_MAX = SRV_UWGHT_MAX * BE_WEIGHT_SCALE


class AdminState(enum.Enum):
    """management.txt `set server ... state ready|drain|maint`."""

    READY = "ready"
    DRAIN = "drain"  # no new traffic from balancing, still checked
    MAINT = "maint"  # no traffic, no checks


@dataclass(eq=False, slots=True)
class PoolServer:
    """Mutable per-server state shared by the pool and its algorithm. `puid` is HAProxy's
    server id (1, 2, ... in declaration order), which orders backups and `first`."""

    name: str
    puid: int
    weight: int = 1  # the user weight, 0..256
    backup: bool = False
    maxconn: int = 0  # 0: unlimited
    up: bool = True  # operational state (health checks)
    admin: AdminState = AdminState.READY
    served: int = 0  # requests or connections in progress on this server
    queued: int = 0  # requests waiting in this server's own queue
    lb: Any = None  # the algorithm's bookkeeping for this server

    @property
    def usable(self) -> bool:
        """HAProxy srv_willbe_usable(): running, not in maintenance or drain, weight > 0."""
        return self.up and self.admin is AdminState.READY and self.weight > 0

    @property
    def full(self) -> bool:
        """A server at its maxconn, or with requests already queued, takes no new request."""
        return self.maxconn > 0 and (self.queued > 0 or self.served >= self.maxconn)

    def __repr__(self) -> str:
        return f"PoolServer({self.name!r})"


class Balancer(Protocol):
    """One group of servers (the active ones, or the backups) and one algorithm.

    Every call other than `pick` happens on configuration, health or admin events, or when a
    connection starts or ends; `pick` is the per-request call.
    """

    def server_up(self, server: PoolServer) -> None:
        """`server` became usable."""

    def server_down(self, server: PoolServer) -> None:
        """`server` stopped being usable (down, drain, maint, or weight 0)."""

    def weight_changed(self, server: PoolServer, old_weight: int) -> None:
        """A usable server's weight changed and it stays usable."""

    def take_conn(self, server: PoolServer) -> None:
        """`server.served` was just incremented."""

    def drop_conn(self, server: PoolServer) -> None:
        """`server.served` was just decremented."""

    def pick(self, key: int | None, avoid: PoolServer | None) -> PoolServer | None:
        """The next server (`key` is the hash for hash-based algorithms), avoiding `avoid`
        unless it is the only choice; None when no usable server can take the request."""
