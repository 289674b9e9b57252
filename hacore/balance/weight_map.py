"""`balance static-rr` and map-based hashing (`hash-type map-based`, the default for `source`
and `uri`): HAProxy's src/lb_map.c.

The map has one slot per unit of weight (weights divided by the GCD of the configured weights,
computed once at start). It is filled by a smooth scan that "gives priority to the first
server": equal weights keep declaration order. static-rr walks the map; hashes index it with
`hash % total weight`. Any state change rebuilds the map; the walk keeps its index unless the
index falls past the new end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from hacore.balance.base import PoolServer


def weights_gcd(servers: Sequence[PoolServer]) -> int:
    """The divisor HAProxy applies to every weight in map-based algorithms (lb_map.c wmult)."""
    return math.gcd(*(s.weight for s in servers if s.weight)) or 1


@dataclass(eq=False, slots=True)
class WeightMap:
    servers: list[PoolServer]
    gcd: int
    # Backups without `option allbackups`: HAProxy sizes the map by the first usable backup's
    # weight but still scans every usable backup to fill it (lb_map.c with tot_weight set by
    # recount_servers()), so a heavier second backup can own slots (haproxy 2.6.12 does this).
    first_backup_sized: bool = False
    slots: list[PoolServer] = field(default_factory=list)
    rr_index: int = 0

    @classmethod
    def create(cls, servers: list[PoolServer], gcd: int,
               first_backup_sized: bool = False) -> WeightMap:
        group = cls(servers, gcd, first_backup_sized)
        group.rebuild()
        return group

    def rebuild(self) -> None:
        """recalc_server_map(): each slot goes to the usable server whose accumulated score,
        rounded as (score + total) // total, is strictly the highest (first one on ties)."""
        usable = [s for s in self.servers if s.usable]
        weights = [s.weight // self.gcd for s in usable]
        total = sum(weights)
        if self.first_backup_sized and weights:
            first = min(range(len(usable)), key=lambda i: usable[i].puid)
            total = weights[first]
        scores = [0] * len(usable)
        slots: list[PoolServer] = []
        for _ in range(total):
            best, best_value = -1, 0
            for index, weight in enumerate(weights):
                if total == 1:
                    best = index
                    break
                scores[index] += weight
                value = (scores[index] + total) // total
                if best < 0 or value > best_value:
                    best, best_value = index, value
            slots.append(usable[best])
            scores[best] -= total
        self.slots = slots

    def pick(self, key: int | None, avoid: PoolServer | None) -> PoolServer | None:
        if not self.slots:
            return None
        if key is not None:
            return self.slots[key % len(self.slots)]  # map_get_server_hash()
        return self._next_in_turn(avoid)

    def _next_in_turn(self, avoid: PoolServer | None) -> PoolServer | None:
        """map_get_server_rr(): the next slot whose server can take a request; the avoided
        server only when it is the only one that can."""
        total = len(self.slots)
        if not 0 <= self.rr_index < total:
            self.rr_index = 0
        start = index = self.rr_index
        fallback: tuple[PoolServer, int] | None = None
        while True:
            server = self.slots[index]
            index += 1
            if not server.full:
                fallback = (server, index)
                if server is not avoid:
                    self.rr_index = index
                    return server
            if index == total:
                index = 0
            if index == start:
                break
        if fallback is None:
            return None
        self.rr_index = fallback[1]
        return fallback[0]

    def server_up(self, server: PoolServer) -> None:
        self.rebuild()

    def server_down(self, server: PoolServer) -> None:
        self.rebuild()

    def weight_changed(self, server: PoolServer, old_weight: int) -> None:
        self.rebuild()

    def take_conn(self, server: PoolServer) -> None:
        """The map does not depend on connection counts."""

    def drop_conn(self, server: PoolServer) -> None:
        """The map does not depend on connection counts."""
