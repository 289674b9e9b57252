"""Loopback HTTP/1.1 servers for tests: each answers with its name and what it received
(method, target, x-forwarded-for, connection, body length), or a scripted raw response."""

from __future__ import annotations

import asyncio


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = b""
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).strip(), 16)
            data = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += data[:-2]
    return lines[0], headers, body


def named(name: str, raw: bytes | None = None) -> object:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line, headers, body = await _read_request(reader)
                if raw is not None:
                    writer.write(raw)
                    break
                text = (f"{name} {line} xff={headers.get('x-forwarded-for', '-')} "
                        f"conn={headers.get('connection', '-')} body={len(body)}").encode()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%b"
                             % (len(text), text))
                await writer.drain()
                if headers.get("connection") == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


async def start_http_backends(specs: list[tuple[str, bytes | None]]
                              ) -> tuple[list[asyncio.Server], list[int]]:
    servers, ports = [], []
    for name, raw in specs:
        server = await asyncio.start_server(named(name, raw), "127.0.0.1", 0)  # type: ignore[arg-type]
        servers.append(server)
        ports.append(server.sockets[0].getsockname()[1])
    return servers, ports
