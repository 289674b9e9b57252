"""HTTP connections switching protocols (RFC 9110 §7.8, WebSocket's handshake), as haproxy
from tests.integration.plane import in_front_of
2.6 does it: the Upgrade request reaches the server with its headers lower-cased in place, a
101 carrying Sec-WebSocket-Accept turns both connections into a tunnel under `timeout
tunnel`, one without it is a 502; a refused switch leaves the connection speaking HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.integration.plane import in_front_of

BOUND = 10.0
SWITCH = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
UPGRADE = (b"GET /chat HTTP/1.1\r\nHost: example\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")


class Backend:
    """Answers an Upgrade request with `answer`; after a 101 it echoes upper-cased, first
    with a greeting sent in the same packet as the 101."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.heads: list[bytes] = []
        self.closed = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                self.heads.append(await reader.readuntil(b"\r\n\r\n"))
                if self.answer is not SWITCH:
                    writer.write(self.answer)
                    continue
                writer.write(SWITCH + b"hi!")
                while data := await reader.read(65536):
                    writer.write(data.upper())
                break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self.closed.set()


@asynccontextmanager
async def proxy(port: int, backend: Backend, timeouts: str) -> AsyncIterator[None]:
    async with in_front_of(backend.handle, port, timeouts):
        yield


async def read_exactly(reader: asyncio.StreamReader, count: int) -> bytes:
    return await asyncio.wait_for(reader.readexactly(count), BOUND)


@pytest.mark.asyncio
async def test_upgrade_switches_to_a_tunnel(unused_tcp_port: int) -> None:
    backend = Backend(SWITCH)
    async with proxy(unused_tcp_port, backend, "    timeout client 5s\n    timeout server 5s\n"):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(UPGRADE + b"early")  # tunnel bytes right behind the head
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND)
        assert head == (b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n"
                        b"connection: Upgrade\r\n"
                        b"sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
        assert await read_exactly(reader, 8) == b"hi!EARLY"
        writer.write(b"more")
        assert await read_exactly(reader, 4) == b"MORE"
        writer.write_eof()  # the half-close reaches the server, whose close comes back
        assert await asyncio.wait_for(reader.read(), BOUND) == b""
        writer.close()
    assert backend.heads == [
        b"GET /chat HTTP/1.1\r\nhost: example\r\nupgrade: websocket\r\n"
        b"connection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"]


@pytest.mark.asyncio
async def test_idle_tunnel_closes_after_timeout_tunnel(unused_tcp_port: int) -> None:
    backend = Backend(SWITCH)
    timeouts = "    timeout client 30s\n    timeout server 30s\n    timeout tunnel 200ms\n"
    async with proxy(unused_tcp_port, backend, timeouts):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(UPGRADE)
        await asyncio.wait_for(reader.readuntil(b"hi!"), BOUND)
        started = asyncio.get_running_loop().time()
        assert await asyncio.wait_for(reader.read(), BOUND) == b""
        await asyncio.wait_for(backend.closed.wait(), BOUND)
        writer.close()
    assert asyncio.get_running_loop().time() - started < 5  # the tunnel's, not client's


@pytest.mark.asyncio
async def test_refused_upgrade_keeps_speaking_http(unused_tcp_port: int) -> None:
    backend = Backend(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nno")
    async with proxy(unused_tcp_port, backend, "    timeout client 5s\n    timeout server 5s\n"):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(UPGRADE + b"GET /next HTTP/1.1\r\nhost: example\r\n\r\n")
        first = await asyncio.wait_for(reader.readuntil(b"no"), BOUND)
        second = await asyncio.wait_for(reader.readuntil(b"no"), BOUND)
        writer.close()
    assert first == second == b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nno"
    assert [head.split(b"\r\n")[0] for head in backend.heads] == [
        b"GET /chat HTTP/1.1", b"GET /next HTTP/1.1"]
