"""The idle pool's rules as haproxy 2.6 applies them (backend.c connect_server(), server.c
srv_add_to_idle_list() and srv_cleanup_idle_conns()), with plain objects and no sockets."""

from __future__ import annotations

from typing import Any

import pytest

from hacore.proxy.idle_pool import IdlePool


class Connection:
    def __init__(self, name: str, served: int) -> None:
        self.name, self.served = name, served
        self.idle_in: list[Any] | None = None

    def close(self) -> None:
        pass


def served(pool: IdlePool, name: str, requests: int) -> Connection:
    """A connection that carried `requests` requests, offered back to the pool."""
    pool.attach()
    connection = Connection(name, requests)
    admitted = pool.admit(connection)
    pool.detach()
    assert admitted
    return connection


@pytest.mark.parametrize(("mode", "first", "expected"), [
    ("safe", True, None), ("safe", False, "fresh"), ("never", False, None),
    ("aggressive", True, "safe"), ("aggressive", False, "fresh"),
    ("always", True, "safe"), ("always", False, "fresh"),
])
def test_which_idle_connection_a_request_takes(mode: str, first: bool,
                                               expected: str | None) -> None:
    pool = IdlePool()
    for _ in range(3):
        pool.attach()  # three in use together once: two may wait idle
    for connection in (Connection("safe", 3), Connection("fresh", 1)):
        assert pool.admit(connection)
        pool.detach()
    pool.detach()
    taken = pool.take(mode, first)
    assert (taken.name if isinstance(taken, Connection) else None) == expected


def test_a_fresh_connection_is_refused_when_a_safe_one_waits() -> None:
    """Six clients one after the other behind a warm pool: haproxy keeps its safe
    connection and closes each new one (measured, nbthread 1)."""
    pool = IdlePool()
    served(pool, "warm", 3)
    pool.attach()
    assert not pool.admit(Connection("new", 1))
    pool.detach()
    assert pool.idle == 1


def test_purge_closes_half_the_surplus_fresh_first() -> None:
    pool = IdlePool()
    for _ in range(4):
        pool.attach()  # four in use together: the estimated need becomes 4
    for index in range(4):
        assert pool.admit(Connection(f"c{index}", 1 + index % 2))
        pool.detach()
    # exceed = 0 used + 4 idle - max(4, 4) = 0: nothing goes, the need halves towards 0
    assert pool.purge() == []
    assert (pool.est_need, pool.max_used) == (4, 0)
    # exceed = 4 - max(0, 4) = 0 again; est_need = (4 + 0) // 2 = 2
    assert pool.purge() == []
    assert pool.est_need == 2
    # exceed = 4 - 2 = 2: one goes (half, rounded up), the oldest fresh one
    assert [c.name for c in pool.purge()] == ["c0"]  # type: ignore[attr-defined]
    assert pool.idle == 3
