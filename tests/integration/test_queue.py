"""Server `maxconn` and the backend queue (configuration.txt "maxconn", "timeout queue"):
a request finding every server full waits its turn; one waiting longer than `timeout queue`
gets HAProxy's 503."""

from __future__ import annotations

import asyncio

import pytest

from hacore.config import load_texts
from hacore.http.errors import ERRORS
from hacore.proxy.dataplane import DataPlane
from tests.integration.test_http_proxy import BOUND, DEFAULTS, body_of, exchange

SLOW = 0.3  # seconds the origin takes per request (a slow server, not a synchronisation)


async def slow_origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    await asyncio.sleep(SLOW)
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nslow")
    await writer.drain()
    writer.close()


async def run(port: int, queue_timeout: str) -> list[bytes]:
    origin = await asyncio.start_server(slow_origin, "127.0.0.1", 0)
    origin_port = origin.sockets[0].getsockname()[1]
    text = DEFAULTS + (f"frontend fe\n    bind 127.0.0.1:{port}\n    default_backend be\n"
                       f"backend be\n    timeout queue {queue_timeout}\n"
                       f"    server s1 127.0.0.1:{origin_port} maxconn 1\n")
    config = load_texts([("t.cfg", text)], env={})
    assert config.haproxy is not None
    plane = DataPlane(config.haproxy)
    await plane.start()
    try:
        request = b"GET / HTTP/1.1\r\nconnection: close\r\n\r\n"
        results = await asyncio.wait_for(asyncio.gather(
            exchange(port, request), exchange(port, request)), BOUND)
        return [r[0] for r in results]
    finally:
        await plane.stop()
        origin.close()
        await origin.wait_closed()


@pytest.mark.asyncio
async def test_full_server_queues_the_second_request(unused_tcp_port: int) -> None:
    answers = await run(unused_tcp_port, "5s")
    assert [body_of(a) for a in answers] == ["slow", "slow"]


@pytest.mark.asyncio
async def test_queue_timeout_answers_503(unused_tcp_port: int) -> None:
    answers = await run(unused_tcp_port, "100ms")
    assert sorted(body_of(a) == "slow" for a in answers) == [False, True]
    assert any(a.startswith(ERRORS[503].split(b"\r\n\r\n")[0]) for a in answers)
