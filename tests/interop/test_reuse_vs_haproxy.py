"""Server connection reuse, differential against haproxy 2.6: the same request sequences
through each proxy, in front of fresh servers that number their connections, must land on
the same server, the same connection and the same request slot on it, for every
`http-reuse` mode and for `option http-server-close` (configuration.txt §4.2 "http-reuse").
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from tests.integration.plane import data_plane
from tests.interop.test_dataplane_vs_haproxy import free_port, wait_listening

pytestmark = pytest.mark.interop("haproxy")
BOUND = 10.0


class NumberingServer:
    """Answers `<name>/<connection number>/<request number on it> <connection header>`."""

    def __init__(self, name: str) -> None:
        self.name, self.connections = name, 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number, served = self.connections, 0
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
                served += 1
                connection = next((line.split(":", 1)[1].strip() for line in head.split("\r\n")
                                   if line.startswith("connection:")), "-")
                body = f"{self.name}/{number}/{served} {connection}".encode()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%b"
                             % (len(body), body))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def numbering_servers() -> AsyncIterator[list[int]]:
    servers = [await asyncio.start_server(NumberingServer(n).handle, "127.0.0.1", 0)
               for n in ("s1", "s2")]
    try:
        yield [s.sockets[0].getsockname()[1] for s in servers]
    finally:
        for server in servers:
            server.close()


def config(port: int, servers: list[int], options: str) -> str:
    return ("defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n"
            f"    timeout server 5s\n{options}frontend fe\n    bind 127.0.0.1:{port}\n"
            "    default_backend be\nbackend be\n    balance roundrobin\n"
            f"    server s1 127.0.0.1:{servers[0]}\n    server s2 127.0.0.1:{servers[1]}\n")


@asynccontextmanager
async def haproxy(options: str, tmp: Path) -> AsyncIterator[int]:
    async with numbering_servers() as servers:
        port = free_port()
        path = tmp / "haproxy.cfg"
        path.write_text("global\n    maxconn 100\n    nbthread 1\n" + config(port, servers, options))
        process = subprocess.Popen(["haproxy", "-db", "-f", str(path)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            await wait_listening(port)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)


@asynccontextmanager
async def hacore(options: str, tmp: Path) -> AsyncIterator[int]:
    async with numbering_servers() as servers:
        port = free_port()
        async with data_plane(config(port, servers, options)):
            yield port


async def play(port: int, steps: list[str], version: str = "1.1") -> list[str]:
    """Each step names a client connection (opened on first use); `-` is a fresh one
    closed after its answer. The answers in order."""
    answers = []
    async with AsyncExitStack() as stack:
        clients: dict[str, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        for step in steps:
            if step == "-" or step not in clients:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                stack.callback(writer.close)
                clients[step] = reader, writer
            reader, writer = clients[step]
            writer.write(f"GET / HTTP/{version}\r\nhost: t\r\n\r\n".encode())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND)
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            answers.append((await asyncio.wait_for(reader.readexactly(length), BOUND)).decode())
            if step == "-":
                writer.close()
    return answers


# One client's keep-alive requests; six clients one after the other; three interleaved.
SEQUENCE = ["a"] * 6 + ["-"] * 6 + ["A", "B", "C", "A", "B", "C", "A", "C"]


@pytest.mark.asyncio
@pytest.mark.parametrize("options", [
    "", "    http-reuse never\n", "    http-reuse aggressive\n", "    http-reuse always\n",
    "    option http-server-close\n", "    option httpclose\n",
], ids=["safe", "never", "aggressive", "always", "server-close", "httpclose"])
async def test_same_connections_as_haproxy(options: str, tmp_path: Path) -> None:
    """haproxy runs one thread, as hacore's data plane: its idle lists are per thread."""
    steps = ["-"] * 8 if "httpclose" in options else SEQUENCE  # no client keep-alive there
    async with haproxy(options, tmp_path) as port:
        theirs = await play(port, steps)
    async with hacore(options, tmp_path) as port:
        ours = await play(port, steps)
    assert ours == theirs


@pytest.mark.asyncio
async def test_http10_requests_ask_the_server_for_keep_alive(tmp_path: Path) -> None:
    async with haproxy("", tmp_path) as port:
        theirs = await play(port, ["-", "-"], version="1.0")
    async with hacore("", tmp_path) as port:
        ours = await play(port, ["-", "-"], version="1.0")
    assert ours == theirs == ["s1/1/1 keep-alive", "s2/1/1 keep-alive"]
