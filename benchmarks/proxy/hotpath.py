"""The Python cost of one small HTTP request through hacore's data plane, without sockets or
kernel: the client Protocol, the Exchange and the server-side Protocol are driven with
in-memory transports, so what is timed is hacore's own code (parse, route, rewrite, frame,
timers, bookkeeping), the part a change to the hot path can move. `proxy/run.py` measures
the whole system against HAProxy; this one isolates where a microsecond goes.

Modes: `reuse` (HAProxy's default keep-alive, the request rides an idle server connection),
`server-close` (the course's `option http-server-close`: a new server connection per
request, made by a loop whose create_connection answers at once) and `close` (the same with
a client connection per request, `Connection: close`).

Run:
    .venv/bin/python benchmarks/proxy/hotpath.py [--requests 2000] [--repeat 10] [--profile]
        [--only MODE]
The fastest of `--repeat` batches is reported (as timeit advises): the others measured the
machine's other load too.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from collections.abc import Callable
from typing import Any

import uvloop

from hacore.config import load_texts
from hacore.proxy.dataplane import DataPlane
from hacore.proxy.http import HttpClient
from hacore.proxy.http_rules import RequestRules
from hacore.proxy.http_upstream import HttpUpstream

REQUEST = (b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: wrk\r\n"
           b"Accept: */*\r\n\r\n")
CLOSING = REQUEST[:-2] + b"Connection: close\r\n\r\n"
RESPONSE = (b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 64\r\n\r\n"
            + b"x" * 64)
CONFIG = """defaults
    mode http
    {option}
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:8080
    default_backend be
backend be
    http-reuse always
    server o1 127.0.0.1:8081
"""


class MemoryTransport(asyncio.Transport):
    """What the Protocols need of a transport; writes are counted, not sent."""

    def __init__(self, peer: tuple[str, int]) -> None:
        super().__init__()
        self.peer, self.written, self.writes, self.closing = peer, 0, 0, False
        self.protocol: asyncio.Protocol | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += len(data)
        self.writes += 1

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        if not self.closing and self.protocol is not None:
            self.closing = True
            asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)
            self.protocol = None  # as uvloop forgets it

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": self.peer, "sockname": ("127.0.0.1", 8080)}.get(name, default)


class MemoryLoop(uvloop.Loop):  # type: ignore[misc]
    """create_connection answers at once with an in-memory transport (server-close mode)."""

    last: HttpUpstream | None = None

    async def create_connection(self, protocol_factory: Callable[[], asyncio.Protocol],
                                *args: Any, **kwargs: Any) -> Any:
        protocol = protocol_factory()
        transport = MemoryTransport(("127.0.0.1", 8081))
        transport.protocol = protocol
        protocol.connection_made(transport)
        assert isinstance(protocol, HttpUpstream)
        self.last = protocol
        return transport, protocol


async def drive(mode: str, requests: int, repeat: int, profile: bool) -> float:
    option = "" if mode == "reuse" else "option http-server-close"
    config = load_texts([("bench.cfg", CONFIG.format(option=option))], env={}).haproxy
    assert config is not None
    plane = DataPlane(config)
    frontend = plane.frontends[0]
    loop = asyncio.get_running_loop()
    assert isinstance(loop, MemoryLoop)
    rules, responses = RequestRules(frontend.config, frontend.pages), plane._response_rules(frontend)
    answered = 0

    def accept() -> tuple[HttpClient, MemoryTransport]:
        client = HttpClient(loop, frontend, rules, responses, False)
        transport = MemoryTransport(("127.0.0.1", 40000))
        transport.protocol = client
        client.connection_made(transport)
        return client, transport

    client, client_transport = accept()

    async def one() -> None:
        nonlocal client, client_transport, answered
        if mode == "close":
            client, client_transport = accept()
        before = client_transport.written
        client.data_received(CLOSING if mode == "close" else REQUEST)
        if client.active is not None and client.active.upstream is None:
            await asyncio.sleep(0)  # the connect task runs
        upstream = client.active.upstream if client.active is not None else loop.last
        assert upstream is not None
        upstream.data_received(RESPONSE)
        answered += client_transport.written - before >= len(RESPONSE)
        if mode == "close":
            await asyncio.sleep(0)  # connection_lost of both sides

    server = plane.backends["be"].servers[0]
    parked = HttpUpstream(None)  # type: ignore[arg-type]  # an idle connection to start with
    parked.connection_made(MemoryTransport(("127.0.0.1", 8081)))
    parked.target, parked.served = server, 2
    server.idle.admit(parked)
    for _ in range(200):  # warm-up
        await one()
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    best = float("inf")
    for _ in range(repeat):  # the fastest batch: what the machine's other load did not slow
        started = time.perf_counter()
        for _ in range(requests):
            await one()
        best = min(best, time.perf_counter() - started)
    if profiler is not None:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    assert answered == requests * repeat + 200, "responses went missing"
    return best / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000, help="requests per batch")
    parser.add_argument("--repeat", type=int, default=10,
                        help="batches; the fastest one is reported")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", default="", help="the modes whose name contains this")
    args = parser.parse_args()
    for mode in [m for m in ("reuse", "server-close", "close") if args.only in m]:
        runner = asyncio.Runner(loop_factory=MemoryLoop)
        with runner:
            cost = runner.run(drive(mode, args.requests, args.repeat, args.profile))
        print(f"{mode:13} {cost:6.1f} µs of Python per request")


if __name__ == "__main__":
    main()
