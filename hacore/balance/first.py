"""`balance first`: HAProxy's src/lb_fas.c. The usable server with the lowest id that still
has room (below its maxconn) takes the request, so servers fill up one after the other.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from hacore.balance.base import PoolServer


@dataclass(eq=False, slots=True)
class First:
    ordered: list[tuple[int, PoolServer]] = field(default_factory=list)  # by puid

    @classmethod
    def create(cls, servers: list[PoolServer]) -> First:
        return cls(sorted((s.puid, s) for s in servers if s.usable))

    def pick(self, key: int | None, avoid: PoolServer | None) -> PoolServer | None:
        avoided = None
        for _, server in self.ordered:
            if not server.maxconn or server.served + server.queued < server.maxconn:
                if server is not avoid:
                    return server
                avoided = server
        return avoided

    def server_up(self, server: PoolServer) -> None:
        bisect.insort(self.ordered, (server.puid, server))

    def server_down(self, server: PoolServer) -> None:
        self.ordered.remove((server.puid, server))

    def weight_changed(self, server: PoolServer, old_weight: int) -> None:
        """Weights do not matter to `first`."""

    def take_conn(self, server: PoolServer) -> None:
        """Room is read from the server at pick time."""

    def drop_conn(self, server: PoolServer) -> None:
        """Room is read from the server at pick time."""
