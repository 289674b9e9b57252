"""`hash-type consistent`: HAProxy's src/lb_chash.c. Each server owns `16 x weight` points on
a 32-bit ring, point i of the server with id `puid` sitting at full_hash(puid * 4096 + i); a
key goes to the nearer of the points just before and just after it (the one before on a tie).
A server going down or up moves only its own keys; weights may change at run time.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

from hacore.balance.base import BE_WEIGHT_SCALE, SRV_EWGHT_MAX, PoolServer
from hacore.balance.keys import M32, full_hash

_Point = tuple[int, int, PoolServer]  # (ring position, insertion order, owner)


@dataclass(eq=False, slots=True)
class Consistent:
    ring: list[_Point] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def create(cls, servers: list[PoolServer]) -> Consistent:
        group = cls()
        for server in servers:
            server.lb = []  # this server's points currently on the ring
            if server.usable:
                group._place(server)
        return group

    def _place(self, server: PoolServer) -> None:
        """Put the server's first `16 x weight` points on the ring (chash_queue_dequeue_srv)."""
        points: list[_Point] = server.lb
        wanted = server.weight * BE_WEIGHT_SCALE
        while len(points) > wanted:
            self.ring.remove(points.pop())
        for index in range(len(points), wanted):
            point = (full_hash(server.puid * SRV_EWGHT_MAX + index), next(self._order), server)
            bisect.insort(self.ring, point)
            points.append(point)

    def _remove(self, server: PoolServer) -> None:
        points: list[_Point] = server.lb
        removed = set(points)
        self.ring[:] = [p for p in self.ring if p not in removed]
        points.clear()

    def pick(self, key: int | None, avoid: PoolServer | None) -> PoolServer | None:
        """chash_get_server_hash(); without a key (balance random's draws pass one) None."""
        ring = self.ring
        if not ring or key is None:
            return None
        after = bisect.bisect_left(ring, (key, -1)) % len(ring)
        before = after - 1  # -1 wraps to the last point
        if (key - ring[before][0]) & M32 <= (ring[after][0] - key) & M32:
            after = before % len(ring)
        for step in range(len(ring)):
            server = ring[(after + step) % len(ring)][2]
            if server is not avoid:
                return server
        return ring[after][2]

    def server_up(self, server: PoolServer) -> None:
        self._place(server)

    def server_down(self, server: PoolServer) -> None:
        self._remove(server)

    def weight_changed(self, server: PoolServer, old_weight: int) -> None:
        self._place(server)

    def take_conn(self, server: PoolServer) -> None:
        """Placement does not depend on connection counts."""

    def drop_conn(self, server: PoolServer) -> None:
        """Placement does not depend on connection counts."""
