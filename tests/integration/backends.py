"""Scripted loopback backends for integration tests: each answers with its own name, or
echoes what it receives; bound to ephemeral ports on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import cast


class NamedBackend(asyncio.Protocol):
    """Writes `name\\n` on connect, then echoes every byte; closes when the client does."""

    def __init__(self, name: str, open_transports: set[asyncio.Transport]) -> None:
        self.name = name
        self.open_transports = open_transports

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport: cast, do not check.
        self.transport = transport = cast(asyncio.Transport, transport)
        self.open_transports.add(transport)
        transport.write(f"{self.name}\n".encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.open_transports.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)

    def eof_received(self) -> bool:
        self.transport.close()
        return False


OPEN: set[asyncio.Transport] = set()  # backend connections still open, for a clean stop


async def start_backends(names: list[str]) -> tuple[list[asyncio.Server], list[int]]:
    loop = asyncio.get_running_loop()
    servers, ports = [], []
    for name in names:
        server = await loop.create_server(lambda n=name: NamedBackend(n, OPEN), "127.0.0.1", 0)
        servers.append(server)
        ports.append(server.sockets[0].getsockname()[1])
    return servers, ports


async def stop_backends(servers: list[asyncio.Server]) -> None:
    for server in servers:
        server.close()
        await server.wait_closed()
    for transport in list(OPEN):
        transport.close()
    for _ in range(100):  # bounded: let connection_lost callbacks run
        if not OPEN:
            break
        await asyncio.sleep(0)
