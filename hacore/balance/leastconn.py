"""`balance leastconn`: HAProxy's src/lb_fwlc.c. Servers are ordered by
`(inflight + 1) * 4096 / eweight` (0 when idle), where inflight counts served and queued
requests; among equal keys, the one waiting longest goes first, so idle servers take turns in
declaration order whatever their weights (as haproxy 2.6.12 does with sequential requests).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hacore.balance.base import BE_WEIGHT_SCALE, SRV_EWGHT_MAX, PoolServer
from hacore.balance.tree import KeyTree, TreeNode


@dataclass(eq=False, slots=True)
class _Slot(TreeNode):
    server: PoolServer | None = None


def _key(server: PoolServer) -> int:
    inflight = server.served + server.queued
    return (inflight + 1) * SRV_EWGHT_MAX // (server.weight * BE_WEIGHT_SCALE) if inflight else 0


@dataclass(eq=False, slots=True)
class LeastConn:
    tree: KeyTree = field(default_factory=KeyTree)

    @classmethod
    def create(cls, servers: list[PoolServer]) -> LeastConn:
        group = cls()
        for server in servers:
            server.lb = _Slot(server=server)
            if server.usable:
                group.tree.insert(server.lb, _key(server))
        return group

    def pick(self, key: int | None, avoid: PoolServer | None) -> PoolServer | None:
        """fwlc_get_next_server(): the least loaded server with room, avoiding `avoid`
        unless it is the only one with room."""
        first = self.tree.first()
        nodes = [first] if first is not None else []
        if first is not None and not self._fits(first, avoid):
            nodes = self.tree.in_order()  # rare: the least loaded one is full or avoided
        avoided = None
        for node in nodes:
            assert isinstance(node, _Slot) and node.server is not None
            server = node.server
            if not server.maxconn or server.served + server.queued < server.maxconn:
                if server is not avoid:
                    return server
                avoided = server
        return avoided

    @staticmethod
    def _fits(node: TreeNode, avoid: PoolServer | None) -> bool:
        assert isinstance(node, _Slot) and node.server is not None
        server = node.server
        return server is not avoid and (
            not server.maxconn or server.served + server.queued < server.maxconn)

    def _reposition(self, server: PoolServer) -> None:
        """fwlc_srv_reposition(): only a key change moves a server (and loses its turn)."""
        slot = server.lb
        assert isinstance(slot, _Slot)
        key = _key(server)
        if slot.tree is self.tree and slot.key == key:
            return
        self.tree.insert(slot, key)

    def server_up(self, server: PoolServer) -> None:
        slot = server.lb
        assert isinstance(slot, _Slot)
        self.tree.insert(slot, _key(server))

    def server_down(self, server: PoolServer) -> None:
        slot = server.lb
        assert isinstance(slot, _Slot)
        self.tree.remove(slot)

    def weight_changed(self, server: PoolServer, old_weight: int) -> None:
        self.server_up(server)

    def take_conn(self, server: PoolServer) -> None:
        if server.usable:
            self._reposition(server)

    def drop_conn(self, server: PoolServer) -> None:
        if server.usable:
            self._reposition(server)
