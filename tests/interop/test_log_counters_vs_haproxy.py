"""The connection counters and queue fields of httplog and tcplog lines, haproxy 2.6 and
hacore side by side: actconn/feconn count the client connections (this one included),
beconn/srv_conn the requests still on the backend (its queue included) and on the server
(this one released); Tw and backend_queue for a request that waited, `sQ--` for one the
queue timed out. The scripted server holds `/hold` requests until the test lets them go,
so that what is in flight is settled when each line is written."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.interop.test_dataplane_vs_haproxy import BOUND, both, free_port
from tests.interop.test_httplog_vs_haproxy import LINE, LogReceiver

pytestmark = pytest.mark.interop("haproxy")

OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


class HoldingServer:
    """Answers at once, but `/hold` only once `release` is set (`arrived` says it came)."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    def reset(self) -> None:
        self.arrived.clear()
        self.release.clear()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if head.split(b" ")[1] == b"/hold":
                    self.arrived.set()
                    await self.release.wait()
                writer.write(OK)
                await writer.drain()
                if b"connection: close" in head:
                    break  # (in tcp mode, nobody else closes)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def fields(line: str) -> tuple[str, ...]:
    """Everything but the client port and the dates; timers to the 100 ms."""
    match = LINE.fullmatch(line.rstrip("\n"))
    assert match is not None, line
    timers = "/".join(t if t == "-1" else str(round(int(t), -2))
                      for t in match.group(2).split("/"))
    return match.group(1), timers, match.group(3)


Logged = Callable[[], Awaitable[None]]  # the next log line is in


async def request(port: int, path: str, writer_reader: tuple[asyncio.StreamReader,
                  asyncio.StreamWriter] | None = None, close: bool = True) -> bytes:
    reader, writer = writer_reader or await asyncio.open_connection("127.0.0.1", port)
    connection = "connection: close\r\n" if close else ""
    writer.write(f"GET {path} HTTP/1.1\r\nhost: t\r\n{connection}\r\n".encode())
    answer = await asyncio.wait_for(reader.read() if close else reader.readuntil(b"ok"),
                                    BOUND)
    if close:
        writer.close()
    return answer


async def idle_neighbour(port: int, server: HoldingServer, logged: Logged) -> None:
    """A kept-alive connection idles while another client's request is served: 2/2/0/0."""
    pair = await asyncio.open_connection("127.0.0.1", port)
    await request(port, "/a", pair, close=False)
    await request(port, "/b")
    pair[1].close()


async def requests_in_flight(port: int, server: HoldingServer, logged: Logged) -> None:
    """One request held on s1; the next goes to s2 (2/2/1/0), the third to s1 (2/2/1/1),
    each once the line before it is out (a tcp session ends after its client closes)."""
    held = asyncio.ensure_future(request(port, "/hold"))
    await asyncio.wait_for(server.arrived.wait(), BOUND)
    await request(port, "/b")
    await logged()
    await request(port, "/c")
    await logged()
    server.release.set()
    await held


async def queued(port: int, server: HoldingServer, logged: Logged) -> None:
    """s1 (maxconn 1) holds one request; the next one queues until it is answered."""
    held = asyncio.ensure_future(request(port, "/hold"))
    await asyncio.wait_for(server.arrived.wait(), BOUND)
    waiting = asyncio.ensure_future(request(port, "/b"))
    await asyncio.sleep(0.3)  # time spent in the queue: the Tw to compare
    server.release.set()
    await held
    await waiting


async def queue_timeout(port: int, server: HoldingServer, logged: Logged) -> None:
    """The queued request is answered 503 `sQ--` at `timeout queue` (300 ms)."""
    held = asyncio.ensure_future(request(port, "/hold"))
    await asyncio.wait_for(server.arrived.wait(), BOUND)
    with contextlib.suppress(ConnectionResetError):  # (tcp mode: a reset, no 503)
        await request(port, "/b")
    server.release.set()
    await held


Scenario = Callable[[int, HoldingServer, "Logged"], Awaitable[None]]
SCENARIOS: dict[str, tuple[Scenario, str, int]] = {  # client part, server lines, log lines
    "idle-neighbour": (idle_neighbour, "s1 127.0.0.1:{0}\n    server s2 127.0.0.1:{0}", 2),
    "in-flight": (requests_in_flight, "s1 127.0.0.1:{0}\n    server s2 127.0.0.1:{0}", 3),
    "queued": (queued, "s1 127.0.0.1:{0} maxconn 1", 2),
    "queue-timeout": (queue_timeout, "s1 127.0.0.1:{0} maxconn 1\n    timeout queue 300ms", 2),
}


HTTP_COUNTERS = {  # ac/fc/bc/sc/rc, then sq/bq and the request
    "idle-neighbour": [["1/1/0/0/0", '0/0 "GET /a HTTP/1.1"'],
                       ["2/2/0/0/0", '0/0 "GET /b HTTP/1.1"']],
    "in-flight": [["2/2/1/0/0", '0/0 "GET /b HTTP/1.1"'], ["2/2/1/1/0", '0/0 "GET /c HTTP/1.1"'],
                  ["1/1/0/0/0", '0/0 "GET /hold HTTP/1.1"']],
    "queued": [["2/2/1/0/0", '0/0 "GET /hold HTTP/1.1"'], ["1/1/0/0/0", '0/1 "GET /b HTTP/1.1"']],
    "queue-timeout": [["2/2/1/0/0", '0/1 "GET /b HTTP/1.1"'],
                      ["1/1/0/0/0", '0/0 "GET /hold HTTP/1.1"']],
}


@asynccontextmanager
async def log_receivers() -> AsyncIterator[tuple[list[LogReceiver], tuple[int, int]]]:
    loop = asyncio.get_running_loop()
    pairs = [await loop.create_datagram_endpoint(LogReceiver, local_addr=("127.0.0.1", 0),
                                                 family=socket.AF_INET) for _ in range(2)]
    ports = (pairs[0][0].get_extra_info("sockname")[1],
             pairs[1][0].get_extra_info("sockname")[1])
    try:
        yield [receiver for _, receiver in pairs], ports
    finally:
        for transport, _ in pairs:
            transport.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["http", "tcp"])
@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_log_counters_as_haproxy(name: str, mode: str, tmp_path: Path) -> None:
    scenario, servers, count = SCENARIOS[name]
    holder = HoldingServer()
    server = await asyncio.start_server(holder.serve, "127.0.0.1", free_port())
    backend = "    server " + servers.format(server.sockets[0].getsockname()[1]) + "\n"
    settings = (f"    mode {mode}\n    log {{log}} local0\n    option {mode}log\n"
                "    option dontlognull\n")
    if mode == "tcp":
        backend = "    mode tcp\n" + backend
    lines: list[list[tuple[str, ...]]] = [[], []]
    async with log_receivers() as (receivers, log_ports):
        try:
            async with both(backend, [], tmp_path, settings, log_ports) as ports:
                for index, port in enumerate(ports):
                    holder.reset()

                    async def logged(index: int = index) -> None:
                        line = await asyncio.wait_for(receivers[index].lines.get(), BOUND)
                        lines[index].append(fields(line))

                    await scenario(port, holder, logged)
                    while len(lines[index]) < count:
                        await logged()
        finally:
            server.close()
    assert lines[1] == lines[0]
    if mode == "http":  # what haproxy 2.6.12 logged, for the record
        assert [line[2].split(" ", 6)[5:] for line in lines[0]] == HTTP_COUNTERS[name]
