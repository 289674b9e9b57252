"""Balancer picks per second for each algorithm at 2, 10 and 100 servers, and ACL evaluation
time per request for the course's routing rules. In process, single thread, bounded loops;
prints JSON and writes it under benchmarks/results/.

Run: .venv/bin/python benchmarks/micro/bench_balance.py
"""

from __future__ import annotations

import json
import platform
import random
import time
from collections.abc import Callable
from pathlib import Path

from hacore.acl.fetches import path_of
from hacore.acl.router import compile_router
from hacore.balance.base import PoolServer
from hacore.balance.registry import build_pool
from hacore.config import load_texts
from hacore.config.haproxy_model import Balance

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT.parent / "shared" / "course"
PICKS = 200_000  # per measurement, after 20_000 warm-up picks
ALGORITHMS = [("roundrobin", "map-based"), ("static-rr", "map-based"), ("leastconn", "map-based"),
              ("first", "map-based"), ("random", "map-based"), ("source", "map-based"),
              ("source", "consistent"), ("uri", "map-based"), ("uri", "consistent")]


def measure_picks(algorithm: str, hash_type: str, count: int) -> float:
    servers = [PoolServer(f"s{i}", i + 1, weight=1 + i % 4) for i in range(count)]
    rng = random.Random(1)
    pool, key = build_pool(Balance(algorithm, (), hash_type, "sdbm", hash_type == "consistent"),
                           servers, False, lambda: rng.getrandbits(32))
    keys: list[int | None] = [None] * 1024
    if key is not None and key.kind == "source":
        keys = [key.for_source(4, 0x0A000000 + i) for i in range(1024)]
    elif key is not None:
        keys = [key.for_uri(f"/item/{i}?x=1".encode()) for i in range(1024)]

    def run(n: int) -> None:
        pick, take, drop = pool.pick, pool.take_conn, pool.drop_conn
        for i in range(n):
            server = pick(keys[i & 1023], None)
            assert server is not None
            take(server)
            drop(server)

    return _rate(run)


def _rate(run: Callable[[int], None]) -> float:
    run(PICKS // 10)
    start = time.perf_counter()
    run(PICKS)
    return PICKS / (time.perf_counter() - start)


class _Request:
    __slots__ = ("dst", "dst_family", "dst_port", "headers", "method", "path", "sni", "src",
                 "src_family", "src_port", "ssl", "target", "version")

    def __init__(self, target: str, src: int) -> None:
        self.target, self.src, self.src_family = target, src, 4
        self.path = path_of(target)
        self.dst, self.dst_family, self.dst_port, self.src_port = 0xC6120064, 4, 80, 40000
        self.method, self.version, self.headers = "GET", "1.1", [("host", "example.com")]
        self.ssl, self.sni = False, None


def measure_acl() -> float:
    """Nanoseconds per routing decision over a mix of the course's request kinds."""
    fragment = (COURSE / "haproxy-acl-routing.cfg.fragment").read_text()
    text = ("defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n"
            "    timeout server 1s\n" + fragment + "backend admin_back\nbackend http_back\n")
    config = load_texts([("course.cfg", text)], env={})
    assert config.haproxy is not None
    router = compile_router(config.haproxy.frontends[0])
    requests = [_Request(t, s) for t, s in [("/api/users", 0x0A000001), ("/static/a.css", 0x0A000001),
                ("/admin", 0xC0A80132), ("/admin", 0x0A000001), ("/index.html", 0x0A000001)]]
    loops = PICKS // len(requests)
    for request in requests * (loops // 10):
        router.route(request)
    start = time.perf_counter()
    for _ in range(loops):
        for request in requests:
            router.route(request)
    return (time.perf_counter() - start) / (loops * len(requests)) * 1e9


def main() -> None:
    results = [{"algorithm": f"{a} ({h})" if a in ("source", "uri") else a, "servers": n,
                "picks_per_s": round(measure_picks(a, h, n))}
               for a, h in ALGORITHMS for n in (2, 10, 100)]
    report = {"benchmark": "balance-picks", "python": platform.python_version(),
              "machine": platform.machine(), "date": time.strftime("%Y-%m-%d"),
              "pick_take_drop": results, "acl_course_route_ns": round(measure_acl())}
    print(json.dumps(report, indent=2))
    out = ROOT / "benchmarks" / "results" / f"balance-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
