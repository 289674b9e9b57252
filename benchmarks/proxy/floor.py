"""The least a uvloop HTTP proxy can do per request, run beside hacore and HAProxy by
`run.py --floor`: it finds the end of a request head, opens a new server connection (as
`option http-server-close` does), sends the head with `connection: close`, waits for the
Content-Length response, writes it to the client and closes the server side; a client's
`Connection: close` closes the client side after the response. No parsing, routing,
balancing, timers, rules or limits: what it costs is asyncio's, uvloop's and the kernel's,
the floor under any pure-Python data plane on the same machine. Benchmark traffic only
(it trusts the origin's framing): never a proxy to put in front of anything.

    python benchmarks/proxy/floor.py --port PORT --origin ORIGIN_PORT
"""

from __future__ import annotations

import argparse
import asyncio
from typing import cast

import uvloop


class ServerSide(asyncio.Protocol):
    def __init__(self, client: ClientSide, head: bytes) -> None:
        self.client, self.head, self.received = client, head, b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.head)

    def data_received(self, data: bytes) -> None:
        self.received += data
        end = self.received.find(b"\r\n\r\n")
        if end < 0:
            return
        at = self.received.lower().find(b"content-length:")
        length = int(self.received[at + 15:self.received.index(b"\r\n", at)])
        if len(self.received) >= end + 4 + length:
            self.transport.close()
            self.client.answered(self.received)


class ClientSide(asyncio.Protocol):
    def __init__(self, origin: tuple[str, int]) -> None:
        self.origin, self.buffer, self.closing = origin, b"", False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.loop = asyncio.get_running_loop()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
        self.closing = b"connection: close" in head.lower()
        self.transport.pause_reading()  # one request at a time
        self.loop.create_task(self.loop.create_connection(
            lambda: ServerSide(self, head + b"\r\nconnection: close\r\n\r\n"), *self.origin))

    def answered(self, response: bytes) -> None:
        self.transport.write(response)
        if self.closing:
            self.transport.close()
        else:
            self.transport.resume_reading()


async def serve(port: int, origin: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: ClientSide(("127.0.0.1", origin)), "127.0.0.1",
                                      port, backlog=2000)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--origin", type=int, required=True)
    args = parser.parse_args()
    uvloop.run(serve(args.port, args.origin))


if __name__ == "__main__":
    main()
