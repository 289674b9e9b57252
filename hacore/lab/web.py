"""A lab web server: answers every request with its name (and 200 on /health, which the
course's `option httpchk GET /health` asks). Runs inside a web namespace."""

from __future__ import annotations

import argparse
import asyncio
from typing import cast


class Web(asyncio.Protocol):
    def __init__(self, name: str) -> None:
        self.name = name.encode()
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            close = b"connection: close" in head.lower()
            body = self.name + b"\n"
            self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
                                 b"content-length: %d\r\n\r\n%b" % (len(body), body))
            if close:
                self.transport.close()
                return


async def serve(name: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Web(name), "0.0.0.0", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="hacore-lab-web")
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    asyncio.run(serve(args.name, args.port))


if __name__ == "__main__":
    main()
