"""A backend's servers: the active group, the backups, and which of them serves
(configuration.txt §5.2 "backup", §4.2 "option allbackups"; backend.c recount_servers()).

Active servers serve while at least one is usable. Then backups serve: only the first usable
one in declaration order, or all of them through the algorithm with `option allbackups`.
State and weight changes go through `update()`, which tells the right group what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hacore.balance.base import AdminState, Balancer, PoolServer

GroupFactory = Callable[[list[PoolServer]], Balancer]


@dataclass(eq=False, slots=True)
class ServerPool:
    servers: tuple[PoolServer, ...]
    active: Balancer
    backup: Balancer
    allbackups: bool  # or a backup group that applies HAProxy's first-backup rule itself
    usable_active: int
    usable_backups: list[PoolServer]  # kept sorted by puid: the first one serves alone

    @classmethod
    def create(cls, servers: Sequence[PoolServer], group: GroupFactory,
               allbackups: bool = False, backup_group: GroupFactory | None = None
               ) -> ServerPool:
        """`backup_group`, when given, builds the backup group and handles the "first
        backup only" rule itself (map-based algorithms, see weight_map.py)."""
        active = [s for s in servers if not s.backup]
        backups = [s for s in servers if s.backup]
        backup = (backup_group or group)(backups)
        return cls(tuple(servers), group(active), backup, allbackups or backup_group is not None,
                   sum(1 for s in active if s.usable), [s for s in backups if s.usable])

    def pick(self, key: int | None = None, avoid: PoolServer | None = None
             ) -> PoolServer | None:
        if self.usable_active:
            return self.active.pick(key, avoid)
        if not self.usable_backups:
            return None
        if not self.allbackups:
            return self.usable_backups[0]
        return self.backup.pick(key, avoid)

    def update(self, server: PoolServer, *, weight: int | None = None, up: bool | None = None,
               admin: AdminState | None = None) -> None:
        """Apply a run-time change (health check, admin command) and re-balance."""
        was_usable, old_weight = server.usable, server.weight
        if weight is not None:
            server.weight = weight
        if up is not None:
            server.up = up
        if admin is not None:
            server.admin = admin
        group = self.backup if server.backup else self.active
        if server.usable and not was_usable:
            group.server_up(server)
            self._count(server, +1)
        elif was_usable and not server.usable:
            group.server_down(server)
            self._count(server, -1)
        elif server.usable and server.weight != old_weight:
            group.weight_changed(server, old_weight)

    def _count(self, server: PoolServer, delta: int) -> None:
        if not server.backup:
            self.usable_active += delta
        elif delta > 0:
            self.usable_backups.append(server)
            self.usable_backups.sort(key=lambda s: s.puid)
        else:
            self.usable_backups.remove(server)

    def take_conn(self, server: PoolServer) -> None:
        server.served += 1
        (self.backup if server.backup else self.active).take_conn(server)

    def drop_conn(self, server: PoolServer) -> None:
        server.served -= 1
        (self.backup if server.backup else self.active).drop_conn(server)
