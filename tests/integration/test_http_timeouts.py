"""The client-side clocks of `mode http` as haproxy 2.6 runs them (measured against it, see
hacore/proxy/http.py): a request is due within `timeout http-request` (408, even on a new
connection that sent nothing), the wait between requests is `http-keep-alive` and ends
silently, and `timeout client` does not run while the server is thinking."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from hacore.http.errors import ERRORS
from tests.integration.plane import in_front_of

BOUND = 10.0
REQUEST = b"GET / HTTP/1.1\r\nhost: a\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


@asynccontextmanager
async def proxy(port: int, timeouts: str, delay: float = 0.0) -> AsyncIterator[None]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await asyncio.sleep(delay)  # a slow server, not a synchronisation
                writer.write(OK)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async with in_front_of(handle, port, f"    timeout server 5s\n{timeouts}"):
        yield


async def session(port: int, first: bytes, then: bytes = b"") -> bytes:
    """Send `first`, read its response if it is a request, send `then`, read to the close."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(first)
        received = b""
        if first.endswith(b"\r\n\r\n"):
            received = await asyncio.wait_for(reader.readuntil(b"ok"), BOUND)
        writer.write(then)
        return received + await asyncio.wait_for(reader.read(), BOUND)
    finally:
        writer.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("timeouts", [
    "    timeout client 30s\n    timeout http-request 200ms\n",
    "    timeout client 200ms\n",  # no http-request: the client timeout, still a 408
])
async def test_a_new_connection_that_sends_nothing_gets_408(unused_tcp_port: int,
                                                           timeouts: str) -> None:
    async with proxy(unused_tcp_port, timeouts):
        assert await session(unused_tcp_port, b"") == ERRORS[408]


@pytest.mark.asyncio
@pytest.mark.parametrize("timeouts", [
    "    timeout client 30s\n    timeout http-request 30s\n    timeout http-keep-alive 200ms\n",
    "    timeout client 30s\n    timeout http-request 200ms\n",  # keep-alive falls back
    "    timeout client 200ms\n    timeout http-keep-alive 30s\n",  # client is shorter
])
async def test_idle_between_requests_closes_silently(unused_tcp_port: int,
                                                     timeouts: str) -> None:
    async with proxy(unused_tcp_port, timeouts):
        assert await session(unused_tcp_port, REQUEST) == OK


@pytest.mark.asyncio
async def test_a_started_second_request_gets_408(unused_tcp_port: int) -> None:
    timeouts = "    timeout client 30s\n    timeout http-request 200ms\n"
    async with proxy(unused_tcp_port, timeouts):
        assert await session(unused_tcp_port, REQUEST, b"GET /2 HTTP/1.1\r\n") == (
            OK + ERRORS[408])


@pytest.mark.asyncio
async def test_client_timeout_waits_for_a_slow_server(unused_tcp_port: int) -> None:
    timeouts = "    timeout client 100ms\n    timeout http-request 30s\n"
    async with proxy(unused_tcp_port, timeouts, delay=0.5):
        assert await session(unused_tcp_port, REQUEST) == OK


@pytest.mark.asyncio
async def test_buffer_request_answers_100_continue_itself(unused_tcp_port: int) -> None:
    """`option http-buffer-request` (haproxy 2.6, measured): the proxy says 100 Continue,
    drops Expect and hands the server the request with its whole body."""
    timeouts = "    timeout client 5s\n    option http-buffer-request\n"
    async with proxy(unused_tcp_port, timeouts):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\n"
                     b"expect: 100-continue\r\n\r\n")
        assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND) == (
            b"HTTP/1.1 100 Continue\r\n\r\n")
        writer.write(b"hello")
        assert await asyncio.wait_for(reader.readuntil(b"ok"), BOUND) == OK
        writer.close()


@asynccontextmanager
async def scripted(port: int, answer: bytes) -> AsyncIterator[None]:
    """A server that sends `answer` to the first request it reads, then closes."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async with in_front_of(handle, port, "    timeout client 5s\n    timeout server 5s\n"):
        yield


@pytest.mark.asyncio
async def test_a_cut_response_closes_the_client(unused_tcp_port: int) -> None:
    """A Content-Length body cut by the server's close must not look complete (the next
    response would be read as its end)."""
    async with scripted(unused_tcp_port, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(REQUEST)
        assert await asyncio.wait_for(reader.read(), BOUND) == (
            b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc")
        writer.close()
        await writer.wait_closed()


@pytest.mark.asyncio
async def test_bytes_after_a_response_are_not_forwarded(unused_tcp_port: int) -> None:
    extra = b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc"
    async with scripted(unused_tcp_port, OK + extra):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(REQUEST)
        assert await asyncio.wait_for(reader.readuntil(b"ok"), BOUND) == OK
        writer.write(REQUEST)  # a new server connection: the spoilt one was not kept
        assert await asyncio.wait_for(reader.readuntil(b"ok"), BOUND) == OK
        writer.close()
        await writer.wait_closed()


@pytest.mark.asyncio
async def test_after_a_504_the_connection_serves_the_next_request_only(unused_tcp_port: int
                                                                       ) -> None:
    """timeout server: a 504, the client connection kept (haproxy 2.6); the late server
    closing afterwards owes nobody a 502."""
    answered = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if head.startswith(b"GET /slow"):
            await asyncio.wait_for(answered.wait(), BOUND)  # closes once the 504 is out
        else:
            writer.write(OK)
            await writer.drain()
        writer.close()

    async with in_front_of(handle, unused_tcp_port, "    timeout server 200ms\n"):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(b"GET /slow HTTP/1.1\r\nhost: a\r\n\r\n")
        first = await asyncio.wait_for(reader.readexactly(len(ERRORS[504])), BOUND)
        answered.set()
        writer.write(REQUEST)
        second = await asyncio.wait_for(reader.readexactly(len(OK)), BOUND)
        writer.close()
        await writer.wait_closed()
    assert (first, second) == (ERRORS[504], OK)
