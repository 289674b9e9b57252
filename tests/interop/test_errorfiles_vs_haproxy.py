"""Errorfiles through haproxy 2.6 and hacore: the same bytes back and the same decision to
keep the connection, for files framed or not, with or without `Connection: close`, HTTP/1.0
and 1.1, to HTTP/1.0 and 1.1 clients and to HEAD; an empty file closes silently; what the
H1 layer refuses itself (a bad request) keeps the built-in page."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.interop.test_dataplane_vs_haproxy import BOUND, both

pytestmark = pytest.mark.interop("haproxy")

FILES = {
    "debian": b"HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\n"
              b"Connection: close\r\nContent-Type: text/html\r\n\r\n"
              b"<html><body><h1>503 Service Unavailable</h1>\n</body></html>\n",
    "framed": b"HTTP/1.1 503 Busy\r\nContent-Length: 3\r\nX-Y: z\r\n\r\nabc",
    "framed-close": b"HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc",
    "unframed": b"HTTP/1.1 503 Busy\r\nX-Y: z\r\n\r\nabc",
    "http10-framed": b"HTTP/1.0 503 Busy\r\nContent-Length: 3\r\n\r\nabc",
    "empty": b"",
}
REQUESTS = [
    b"GET / HTTP/1.1\r\nhost: a\r\n\r\nGET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
    b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nhost: a\r\n\r\nGET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
    b"GET /\x01 HTTP/1.1\r\nhost: a\r\n\r\n",  # refused by the parser: 400
]


async def until_closed(port: int, raw: bytes) -> bytes:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), BOUND)
    try:
        writer.write(raw)
        return await asyncio.wait_for(reader.read(), BOUND)
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", list(FILES))
async def test_errorfiles_are_written_out_as_haproxy_does(name: str, tmp_path: Path) -> None:
    page = tmp_path / "page.http"
    page.write_bytes(FILES[name])
    bad_request = tmp_path / "400.http"
    bad_request.write_bytes(b"HTTP/1.1 400 Mine\r\nContent-Length: 0\r\n\r\n")
    backend = f"    errorfile 503 {page}\n    server app1 127.0.0.1:{{0}} disabled\n"
    answers: list[list[bytes]] = [[], []]
    async with both(backend, [("app1", None)], tmp_path,
                    f"    errorfile 400 {bad_request}\n") as ports:
        for index, port in enumerate(ports):
            for raw in REQUESTS:
                answers[index].append(await until_closed(port, raw))
    assert answers[1] == answers[0]
    assert answers[0][-1].startswith(b"HTTP/1.1 400 Bad request\r\nContent-length: 90\r\n")
