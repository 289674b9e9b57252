"""The request-smuggling and syntax matrix, checked against haproxy 2.6's recorded answers
(tests/vectors/haproxy-2.6/http-requests.json: 375 requests, each sent to a fresh haproxy
in keep-alive and http-server-close mode): hacore must answer the same bytes, close the
client connection when haproxy did, and hand the server exactly what haproxy handed it.
The live comparisons against a running haproxy are in tests/interop/."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.integration.plane import data_plane

BOUND = 10.0
OPEN_CHECK = 0.05  # seconds: haproxy closes at once after the answer when it closes at all
VECTORS = json.loads((Path(__file__).parents[1] / "vectors/haproxy-2.6/http-requests.json")
                     .read_text())["vectors"]
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
VARIANTS = {"default": "", "server-close": "    option http-server-close\n",
            "buffer-request": "    option http-buffer-request\n"}


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One request as the proxy forwards it (well framed: it is the proxy's own framing)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lower = head.lower()
    if re.search(rb"\r\ntransfer-encoding:[^\r]*chunked", lower):
        body = b""
        while True:
            line = await reader.readuntil(b"\r\n")
            body += line
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                    body += trailer
                return head + body + b"\r\n"
            body += await reader.readexactly(size + 2)
    length = re.search(rb"\r\ncontent-length: *(\d+)", lower)
    return head + (await reader.readexactly(int(length.group(1))) if length else b"")


class Recorder:
    """The server of the recording: answers `OK` to each complete request."""

    def __init__(self) -> None:
        self.connections: list[bytearray] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received = bytearray()
        self.connections.append(received)
        try:
            while True:
                received += await read_request(reader)
                writer.write(OK)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def proxy(port: int, variant: str) -> AsyncIterator[Recorder]:
    recorder = Recorder()
    server = await asyncio.start_server(recorder.handle, "127.0.0.1", 0)
    text = ("defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n"
            f"    timeout server 5s\n{VARIANTS[variant]}frontend fe\n"
            f"    bind 127.0.0.1:{port}\n    default_backend be\nbackend be\n"
            f"    server s1 127.0.0.1:{server.sockets[0].getsockname()[1]}\n")
    try:
        async with data_plane(text):
            yield recorder
    finally:
        server.close()


async def replay(port: int, vector: dict[str, Any]) -> list[str]:
    """What differs from haproxy's recorded behaviour for one vector."""
    expected = base64.b64decode(vector["response"])
    async with proxy(port, vector["variant"]) as recorder:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(base64.b64decode(vector["request"]))
            try:
                answer = await asyncio.wait_for(reader.readexactly(len(expected)), BOUND)
            except asyncio.IncompleteReadError as short:
                answer = short.partial
            problems = [] if answer == expected else [f"answer {answer[:120]!r}"]
            try:
                closed = await asyncio.wait_for(reader.read(1), OPEN_CHECK) == b""
            except TimeoutError:
                closed = False
            if closed != vector["closed"]:
                problems.append(f"closed={closed}")
        finally:
            writer.close()
        server = [base64.b64decode(s) for s in vector["server"]]
        if [bytes(c) for c in recorder.connections] != server:
            problems.append(f"server got {[bytes(c)[:160] for c in recorder.connections]}")
    return problems


@pytest.mark.asyncio
@pytest.mark.parametrize("variant", sorted(VARIANTS))
async def test_requests_answered_as_haproxy_answers_them(unused_tcp_port: int,
                                                         variant: str) -> None:
    failures = {}
    for vector in VECTORS:
        if vector["variant"] == variant:
            problems = await replay(unused_tcp_port, vector)
            if problems:
                failures[vector["name"]] = problems
    assert failures == {}
