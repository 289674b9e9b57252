"""`option forwardfor` in the defaults, the frontend and the backend, combined as haproxy 2.6
combines them (http_process_request()): the same request head reaches the server through
both proxies (the defaults here already have a plain `option forwardfor`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.interop.test_dataplane_vs_haproxy import BOUND, both, free_port

pytestmark = pytest.mark.interop("haproxy")


async def echo_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers each request with the head it received."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%b" % (len(head), head))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.mark.asyncio
@pytest.mark.parametrize(("frontend", "backend"), [
    ("    option forwardfor header X-A\n", "    option forwardfor header X-B\n"),
    ("", "    option forwardfor header X-Client\n"),
    ("    option forwardfor header X-Client\n", ""),
    ("    option forwardfor if-none\n", ""),
    ("    option forwardfor if-none\n", "    option forwardfor if-none\n"),
    ("", "    option forwardfor except 127.0.0.1\n"),
    ("    option forwardfor except 127.0.0.0/8\n", "    option forwardfor header X-B\n"),
], ids=["both-names", "backend-name", "frontend-name", "frontend-if-none",
        "both-if-none", "backend-except", "frontend-except"])
async def test_forwardfor_combines_as_haproxy(frontend: str, backend: str,
                                              tmp_path: Path) -> None:
    server = await asyncio.start_server(echo_head, "127.0.0.1", free_port())
    port = server.sockets[0].getsockname()[1]
    request = (b"GET / HTTP/1.1\r\nhost: t\r\nX-Forwarded-For: 10.0.0.1\r\nX-Client: 1.1.1.1\r\n"
               b"x-a: 1\r\nconnection: close\r\n\r\n")
    answers = []
    try:
        async with both(backend + f"    server s1 127.0.0.1:{port}\n", [], tmp_path,
                        frontend) as ports:
            for proxy_port in ports:
                reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
                writer.write(request)
                answers.append(await asyncio.wait_for(reader.read(), BOUND))
                writer.close()
                await writer.wait_closed()
    finally:
        server.close()
    assert answers[1] == answers[0]
