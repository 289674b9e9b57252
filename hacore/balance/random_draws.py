"""`balance random[(<draws>)]`: HAProxy's get_server_rnd() (backend.c). Each draw hashes a
random 32-bit key onto the consistent-hash ring; of the servers drawn, the one with the fewest
requests per unit of weight wins ("power of two choices" with the default 2 draws).

The random source is injected so that tests can script it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hacore.balance.base import PoolServer
from hacore.balance.consistent import Consistent


@dataclass(eq=False, slots=True)
class RandomDraws:
    ring: Consistent
    draws: int
    random32: Callable[[], int]

    @classmethod
    def create(cls, servers: list[PoolServer], draws: int,
               random32: Callable[[], int]) -> RandomDraws:
        return cls(Consistent.create(servers), draws, random32)

    def pick(self, key: int | None, avoid: PoolServer | None) -> PoolServer | None:
        best: PoolServer | None = None
        for _ in range(self.draws):
            drawn = self.ring.pick(self.random32(), avoid)
            if drawn is None:
                return None
            if best is not None and best is not drawn and (
                    drawn.served * best.weight > best.served * drawn.weight):
                continue
            best = drawn
        return best

    def server_up(self, server: PoolServer) -> None:
        self.ring.server_up(server)

    def server_down(self, server: PoolServer) -> None:
        self.ring.server_down(server)

    def weight_changed(self, server: PoolServer, old_weight: int) -> None:
        self.ring.weight_changed(server, old_weight)

    def take_conn(self, server: PoolServer) -> None:
        """Loads are read from the servers at pick time."""

    def drop_conn(self, server: PoolServer) -> None:
        """Loads are read from the servers at pick time."""
