"""`balance` and `hash-type` settings → the algorithm that serves a backend and, for `source`
and `uri`, how the hash key is computed. Unknown names never reach here: the config loader
refuses them with their file:line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hacore.balance.base import Balancer, PoolServer
from hacore.balance.consistent import Consistent
from hacore.balance.first import First
from hacore.balance.keys import HASH_FUNCTIONS, UriKey, source_key
from hacore.balance.leastconn import LeastConn
from hacore.balance.pool import GroupFactory, ServerPool
from hacore.balance.random_draws import RandomDraws
from hacore.balance.roundrobin import RoundRobin
from hacore.balance.weight_map import WeightMap, weights_gcd
from hacore.config.haproxy_model import Balance

# `balance random` takes two draws unless told otherwise (configuration.txt §4.2).
DEFAULT_DRAWS = 2


@dataclass(frozen=True, slots=True)
class HashKey:
    """Which request property a hash-based backend hashes, and how."""

    kind: str  # "source" or "uri"
    avalanche: bool = False
    uri: UriKey | None = None

    def for_source(self, family: int, address: int) -> int:
        return source_key(family, address, self.avalanche)

    def for_uri(self, target: bytes) -> int:
        assert self.uri is not None  # a "uri" HashKey always carries its UriKey
        return self.uri.key(target)


def build_pool(balance: Balance, servers: Sequence[PoolServer], allbackups: bool,
               random32: Callable[[], int]) -> tuple[ServerPool, HashKey | None]:
    """The backend's pool and, for hash-based algorithms, its key rule."""
    name = balance.algorithm.split("(", 1)[0]
    key = _hash_key(name, balance)
    group = _group_factory(name, balance, servers, random32)
    backup_group = None
    if _is_map(name, balance) and not allbackups:
        gcd = weights_gcd(servers)
        backup_group = lambda group: _map(group, gcd, first_backup_sized=True)  # noqa: E731
    return ServerPool.create(servers, group, allbackups, backup_group), key


def _is_map(name: str, balance: Balance) -> bool:
    return name == "static-rr" or (name in ("source", "uri") and balance.hash_type != "consistent")


def _group_factory(name: str, balance: Balance, servers: Sequence[PoolServer],
                   random32: Callable[[], int]) -> GroupFactory:
    if name == "roundrobin":
        return RoundRobin.create
    if name == "leastconn":
        return LeastConn.create
    if name == "first":
        return First.create
    if name == "random":
        draws = _draws(balance.algorithm)
        return lambda group: RandomDraws.create(group, draws, random32)
    if name in ("source", "uri") and balance.hash_type == "consistent":
        return Consistent.create
    gcd = weights_gcd(servers)
    return lambda group: _map(group, gcd)


def _map(group: list[PoolServer], gcd: int, first_backup_sized: bool = False) -> Balancer:
    return WeightMap.create(group, gcd, first_backup_sized)


def _draws(algorithm: str) -> int:
    if "(" not in algorithm:
        return DEFAULT_DRAWS
    return max(1, int(algorithm[algorithm.index("(") + 1 : algorithm.rindex(")")]))


def _hash_key(name: str, balance: Balance) -> HashKey | None:
    if name == "source":
        return HashKey("source", balance.avalanche)
    if name != "uri":
        return None
    options = balance.arguments
    uri = UriKey(
        whole="whole" in options,
        length=_option_value(options, "len"),
        depth=_option_value(options, "depth"),
        path_only="path-only" in options,
        function=HASH_FUNCTIONS[balance.hash_function],
        avalanche=balance.avalanche,
    )
    return HashKey("uri", balance.avalanche, uri)


def _option_value(options: tuple[str, ...], name: str) -> int:
    if name not in options:
        return 0
    return int(options[options.index(name) + 1])
