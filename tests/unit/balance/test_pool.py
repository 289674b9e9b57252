"""Behaviour the recorded sequences do not cover: full servers (maxconn), the `avoid` argument
of retries, connections held open (leastconn), backups taking over and giving back, drain and
maintenance, random draws, and what consistent hashing promises. Expected values are derived by
hand from HAProxy's algorithms (lb_fwrr.c, lb_map.c, lb_fwlc.c, lb_fas.c, lb_chash.c)."""

from __future__ import annotations

from collections.abc import Iterator

from hacore.balance.base import AdminState, PoolServer
from hacore.balance.consistent import Consistent
from hacore.balance.first import First
from hacore.balance.leastconn import LeastConn
from hacore.balance.pool import ServerPool
from hacore.balance.random_draws import RandomDraws
from hacore.balance.registry import build_pool
from hacore.balance.roundrobin import RoundRobin
from hacore.balance.weight_map import WeightMap
from hacore.config.haproxy_model import Balance


def servers(*weights: int, maxconn: int = 0, backups: int = 0) -> list[PoolServer]:
    """Servers A, B, C... with these weights; the last `backups` ones are backups."""
    count = len(weights)
    return [PoolServer(chr(65 + i), i + 1, w, backup=i >= count - backups, maxconn=maxconn)
            for i, w in enumerate(weights)]


def picks(pool: ServerPool, count: int, hold: bool = False) -> list[str]:
    """Names of `count` picks; each connection is closed again unless `hold`."""
    names = []
    for _ in range(count):
        server = pool.pick()
        names.append("-" if server is None else server.name)
        if server is not None:
            pool.take_conn(server)
            if not hold:
                pool.drop_conn(server)
    return names


def test_roundrobin_skips_a_full_server_which_loses_its_turns() -> None:
    a, _b, _c = group = servers(1, 1, 1)
    a.maxconn = 1
    pool = ServerPool.create(group, RoundRobin.create)
    first = pool.pick()
    assert first is a
    pool.take_conn(a)  # A now at maxconn 1 and held
    assert picks(pool, 5) == ["B", "C", "B", "C", "B"]


def test_roundrobin_avoid_takes_the_next_server() -> None:
    pool = ServerPool.create(servers(1, 1, 1), RoundRobin.create)
    a = pool.servers[0]
    assert pool.pick(avoid=a) is pool.servers[1]
    assert picks(pool, 3) == ["C", "A", "B"]


def test_avoided_server_is_used_when_it_is_the_only_one() -> None:
    group = servers(1)
    for factory in (RoundRobin.create, LeastConn.create, First.create):
        pool = ServerPool.create([PoolServer("A", 1)], factory)
        assert pool.pick(avoid=pool.servers[0]) is pool.servers[0]
    map_pool = ServerPool.create(group, lambda g: WeightMap.create(g, 1))
    assert map_pool.pick(avoid=group[0]) is group[0]


def test_static_rr_walk_skips_full_servers() -> None:
    group = servers(1, 1, 1)
    pool = ServerPool.create(group, lambda g: WeightMap.create(g, 1))
    group[0].maxconn, group[0].served = 1, 1
    assert picks(pool, 4) == ["B", "C", "B", "C"]


def test_leastconn_with_connections_held_open() -> None:
    """Keys (inflight + 1) * 4096 / (16 * weight): A=3, B=2, C=1; equal keys queue in turn."""
    pool = ServerPool.create(servers(3, 2, 1), LeastConn.create)
    assert picks(pool, 10, hold=True) == ["A", "B", "C", "A", "B", "A", "A", "B", "A", "C"]


def test_leastconn_returns_to_the_server_a_connection_left() -> None:
    pool = ServerPool.create(servers(1, 1, 1), LeastConn.create)
    a, b, c = pool.servers
    for server in (a, b, c, a):
        pool.take_conn(server)
    pool.drop_conn(b)
    assert pool.pick() is b


def test_first_fills_servers_in_order() -> None:
    pool = ServerPool.create(servers(1, 1, 1, maxconn=1), First.create)
    assert picks(pool, 4, hold=True) == ["A", "B", "C", "-"]
    pool.drop_conn(pool.servers[1])
    assert picks(pool, 1) == ["B"]


def test_backups_take_over_and_give_back() -> None:
    pool = ServerPool.create(servers(1, 1, 1, 1, backups=2), RoundRobin.create)
    a, b, c, _d = pool.servers
    assert picks(pool, 4) == ["A", "B", "A", "B"]
    pool.update(a, up=False)
    assert picks(pool, 2) == ["B", "B"]
    pool.update(b, up=False)
    assert picks(pool, 3) == ["C", "C", "C"]  # only the first backup, without allbackups
    pool.update(c, admin=AdminState.MAINT)
    assert picks(pool, 2) == ["D", "D"]
    pool.update(a, up=True)
    assert picks(pool, 2) == ["A", "A"]


def test_allbackups_balances_all_backups() -> None:
    pool = ServerPool.create(servers(1, 3, 1, backups=2), RoundRobin.create, allbackups=True)
    pool.update(pool.servers[0], up=False)
    assert picks(pool, 8) == ["B", "B", "B", "C", "B", "B", "B", "C"]


def test_drain_and_weight_zero_take_no_new_traffic() -> None:
    pool = ServerPool.create(servers(1, 1, 1), RoundRobin.create)
    a, b, c = pool.servers
    pool.update(a, admin=AdminState.DRAIN)
    pool.update(c, weight=0)
    assert picks(pool, 3) == ["B", "B", "B"]
    pool.update(b, up=False)
    assert pool.pick() is None


def _scripted(values: list[int]) -> Iterator[int]:
    yield from values


def test_random_keeps_the_less_loaded_of_two_draws() -> None:
    group = servers(1, 1)
    a, b = group
    ring = Consistent.create(servers(1, 1))  # same puids: same points
    a_point = next(p[0] for p in ring.ring if p[2].name == "A")
    b_point = next(p[0] for p in ring.ring if p[2].name == "B")
    draws = _scripted([a_point, b_point, b_point, a_point])
    pool = ServerPool.create(group, lambda g: RandomDraws.create(g, 2, lambda: next(draws)))
    a.served = 2
    assert pool.pick() is b  # draws A then B: B serves fewer
    b.served = 5
    assert pool.pick() is a  # draws B then A: A serves fewer


def test_consistent_hash_moves_only_the_keys_of_a_server_that_leaves() -> None:
    group = servers(1, 2, 3)
    pool = ServerPool.create(group, Consistent.create)
    keys = [k * 2654435761 % 2**32 for k in range(2000)]
    before = [pool.pick(k) for k in keys]
    pool.update(group[1], up=False)
    after = [pool.pick(k) for k in keys]
    moved = [(x, y) for x, y in zip(before, after, strict=True) if x is not y]
    assert moved and all(x is group[1] for x, _ in moved)
    pool.update(group[1], up=True)
    assert [pool.pick(k) for k in keys] == before


def test_map_algorithms_size_backups_by_the_first_but_scan_them_all() -> None:
    """haproxy 2.6.12 (helper-verified against the binary): backups B weight 2 and C weight 4
    without allbackups: static-rr, source and uri go to C, roundrobin to B."""
    def backends(algorithm: str) -> list[str]:
        group = [PoolServer("A", 1, 1, up=False), PoolServer("B", 2, 2, backup=True),
                 PoolServer("C", 3, 4, backup=True)]
        pool, key = build_pool(Balance(algorithm), group, False, lambda: 0)
        keys: list[int | None] = [None] * 4 if key is None else [
            key.for_source(4, 0x0A000001 + i) for i in range(4)]
        return [server.name for k in keys if (server := pool.pick(k)) is not None]

    assert backends("static-rr") == ["C", "C", "C", "C"]
    assert backends("source") == ["C", "C", "C", "C"]
    assert backends("roundrobin") == ["B", "B", "B", "B"]
