"""The benchmark's origin server: asyncio Protocols on uvloop, answering every request with a
fixed body (`--size` bytes), keep-alive, in its own process so it does not share the proxy's
CPU accounting. Also a raw TCP echo-style responder for TCP mode (same bytes)."""

from __future__ import annotations

import argparse
import asyncio
from typing import cast

import uvloop


class Origin(asyncio.Protocol):
    def __init__(self, response: bytes) -> None:
        self.response = response
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.transport.write(self.response)
            if b"connection: close" in head.lower():
                self.transport.close()
                return


async def serve(port: int, size: int) -> None:
    body = b"x" * size
    response = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n%b" % (
        len(body), body)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Origin(response), "127.0.0.1", port, backlog=4096)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    uvloop.run(serve(args.port, args.size))


if __name__ == "__main__":
    main()
