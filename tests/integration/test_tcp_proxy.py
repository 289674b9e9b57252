"""`mode tcp` on loopback with real backends, on both event loops: the server order is
HAProxy's, bytes flow both ways with flow control, failed connects are retried and
redispatched, idle connections time out."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.integration.backends import start_backends, stop_backends
from tests.integration.plane import data_plane, in_front_of

BOUND = 10.0

@asynccontextmanager
async def proxy(port: int, backend: str, names: list[str]) -> AsyncIterator[list[int]]:
    """A data plane on 127.0.0.1:`port` in front of backends named `names`."""
    servers, ports = await start_backends(names)
    backend = backend.format(*ports)
    text = (f"defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 5s\n"
            f"    timeout server 5s\nfrontend fe\n    bind 127.0.0.1:{port}\n"
            f"    default_backend be\nbackend be\n{backend}")
    try:
        async with data_plane(text):
            yield ports
    finally:
        await stop_backends(servers)


async def first_line(port: int) -> str:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), BOUND)
    try:
        return (await asyncio.wait_for(reader.readline(), BOUND)).decode().strip()
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.asyncio
async def test_roundrobin_order_is_haproxys(unused_tcp_port: int) -> None:
    backend = ("    balance roundrobin\n    server s1 127.0.0.1:{0} weight 3\n"
               "    server s2 127.0.0.1:{1} weight 2\n    server s3 127.0.0.1:{2} weight 1\n")
    async with proxy(unused_tcp_port, backend, ["s1", "s2", "s3"]):
        names = [await first_line(unused_tcp_port) for _ in range(12)]
    assert names == "s1 s2 s1 s3 s1 s2 s1 s2 s1 s3 s1 s2".split()


@pytest.mark.asyncio
async def test_large_echo_with_half_close(unused_tcp_port: int) -> None:
    payload = bytes(range(256)) * 4096 * 4  # 4 MiB: forces pause/resume on both sides
    async with proxy(unused_tcp_port, "    server s1 127.0.0.1:{0}\n", ["s1"]):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        assert await asyncio.wait_for(reader.readline(), BOUND) == b"s1\n"

        async def send() -> None:
            writer.write(payload)
            await writer.drain()
            writer.write_eof()

        sending = asyncio.get_running_loop().create_task(send())
        echoed = await asyncio.wait_for(reader.read(), BOUND)  # until the server closes
        await sending
        writer.close()
        await writer.wait_closed()
    assert echoed == payload


@pytest.mark.asyncio
async def test_dead_server_is_retried_then_redispatched(unused_tcp_port: int) -> None:
    dead = ("    retries 2\n    option redispatch\n    timeout connect 200ms\n"
            "    server dead 127.0.0.1:1\n    server s2 127.0.0.1:{0}\n")
    async with proxy(unused_tcp_port, dead, ["s2"]):
        assert await first_line(unused_tcp_port) == "s2"


@pytest.mark.asyncio
async def test_a_connect_that_times_out_is_redispatched(unused_tcp_port: int) -> None:
    """A server whose accept queue is full drops the SYN: `timeout connect` ends the
    attempt (200 ms, before the kernel's 1 s SYN retransmit), the retry goes elsewhere."""
    with socket.socket() as full, socket.socket() as queued:
        full.bind(("127.0.0.1", 0))
        full.listen(0)  # one connection queued fills it
        queued.connect(full.getsockname())
        backend = ("    retries 1\n    option redispatch\n    timeout connect 200ms\n"
                   f"    server full 127.0.0.1:{full.getsockname()[1]}\n"
                   "    server s2 127.0.0.1:{0}\n")
        async with proxy(unused_tcp_port, backend, ["s2"]):
            loop = asyncio.get_running_loop()
            started = loop.time()
            assert await first_line(unused_tcp_port) == "s2"
            assert loop.time() - started >= 0.2


@pytest.mark.asyncio
async def test_no_reachable_server_closes_the_client(unused_tcp_port: int) -> None:
    dead = "    retries 1\n    timeout connect 200ms\n    server dead 127.0.0.1:1\n"
    async with proxy(unused_tcp_port, dead, []):
        assert await first_line(unused_tcp_port) == ""


@pytest.mark.asyncio
async def test_idle_client_is_disconnected(unused_tcp_port: int) -> None:
    backend = "    timeout server 300ms\n    server s1 127.0.0.1:{0}\n"
    async with proxy(unused_tcp_port, backend, ["s1"]):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        assert await asyncio.wait_for(reader.readline(), BOUND) == b"s1\n"
        assert await asyncio.wait_for(reader.read(), BOUND) == b""  # closed by the timeout
        writer.close()
        await writer.wait_closed()


@asynccontextmanager
async def half_closing_backend(port: int, fin_timeouts: str, server_shuts: bool
                               ) -> AsyncIterator[asyncio.Event]:
    """A server that never closes: it half-closes first (`server_shuts`) or waits for the
    client's FIN; the event is set when the proxy closes it."""
    closed = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if server_shuts:
            writer.write(b"bye")
            writer.write_eof()
        await reader.read()  # until the proxy passes a FIN or closes
        await reader.read()
        closed.set()
        writer.close()

    async with in_front_of(handle, port, "    timeout client 30s\n    timeout server 30s\n"
                           f"{fin_timeouts}", mode="tcp"):
        yield closed


@pytest.mark.asyncio
@pytest.mark.parametrize(("fin", "server_shuts"), [("server-fin", False), ("client-fin", True)])
async def test_fin_timeout_follows_the_forwarded_half_close(
        unused_tcp_port: int, fin: str, server_shuts: bool) -> None:
    """haproxy 2.6 (measured): the client's FIN passed to the server starts `timeout
    server-fin`; the server's FIN passed to the client starts `timeout client-fin`."""
    async with half_closing_backend(unused_tcp_port, f"    timeout {fin} 200ms\n",
                                    server_shuts) as closed:
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        if not server_shuts:
            writer.write(b"hello")
            writer.write_eof()
        started = asyncio.get_running_loop().time()
        await asyncio.wait_for(closed.wait(), BOUND)
        assert await asyncio.wait_for(reader.read(), BOUND) in (b"", b"bye")
        writer.close()
    assert asyncio.get_running_loop().time() - started < 5  # the -fin timeout, not 30 s


@pytest.mark.asyncio
async def test_client_speaks_first(unused_tcp_port: int) -> None:
    """Bytes sent at once, before the server is even connected, reach it (uvloop delivers a
    first read despite the pause in connection_made)."""
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"got " + await reader.readuntil(b"\n"))
        await writer.drain()
        writer.close()

    settings = "    timeout client 5s\n    timeout server 5s\n"
    async with in_front_of(answer, unused_tcp_port, settings, mode="tcp"):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(b"hello\n")
        assert await asyncio.wait_for(reader.read(), BOUND) == b"got hello\n"
        writer.close()


@pytest.mark.asyncio
async def test_bytes_and_fin_sent_before_the_server_answers_still_reach_it(unused_tcp_port: int
                                                                          ) -> None:
    """A client that writes and shuts its side at once (before the server connection is
    up) is still forwarded, FIN included, and gets the server's answer (haproxy 2.6 does)."""
    async def server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"got " + await reader.read())  # until the client's FIN
        await writer.drain()
        writer.close()

    async with in_front_of(server, unused_tcp_port, "    timeout client 5s\n"
                           "    timeout server 5s\n", mode="tcp"):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        writer.write_eof()
        answer = await asyncio.wait_for(reader.read(), BOUND)
        writer.close()
        await writer.wait_closed()
    assert answer == b"got GET / HTTP/1.1\r\n\r\n"


@pytest.mark.asyncio
async def test_tcplog_states_a_server_timeout(unused_tcp_port: int,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    """haproxy 2.6 (measured): `... be/s1 1/0/804 5 sD 1/1/0/0/0 0/0` for a server silent
    past `timeout server` after 5 bytes."""
    async def hello_then_silent(reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
        writer.write(b"HELLO")
        await reader.read()  # until the proxy closes
        writer.close()

    settings = ("    option tcplog\n    log stderr format raw local0\n"
                "    timeout client 5s\n    timeout server 200ms\n")
    async with in_front_of(hello_then_silent, unused_tcp_port, settings, mode="tcp"):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        assert await asyncio.wait_for(reader.read(), BOUND) == b"HELLO"
        writer.close()
        await writer.wait_closed()
    line = capfd.readouterr().err.strip().splitlines()[-1]
    assert line.split()[3:] == ["be/s1", line.split()[4], "5", "sD", "1/1/0/0/0", "0/0"], line


@pytest.mark.asyncio
async def test_tcplog_names_the_server_it_failed_to_reach(
        unused_tcp_port: int, capfd: pytest.CaptureFixture[str]) -> None:
    """haproxy 2.6 (measured): `... be/s1 1/-1/1505 0 SC 1/1/0/0/3 0/0` when every
    connect attempt is refused (three retries)."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connects are refused
        text = ("defaults\n    mode tcp\n    option tcplog\n    log stderr format raw local0\n"
                "    timeout connect 200ms\n    timeout client 5s\n    timeout server 5s\n"
                f"frontend fe\n    bind 127.0.0.1:{unused_tcp_port}\n    default_backend be\n"
                f"backend be\n    retries 1\n"
                f"    server s1 127.0.0.1:{closed.getsockname()[1]}\n")
        async with data_plane(text):
            reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
            assert await asyncio.wait_for(reader.read(), BOUND) == b""
            writer.close()
            await writer.wait_closed()
    fields = capfd.readouterr().err.strip().splitlines()[-1].split()
    assert (fields[3], fields[4].split("/")[1], fields[5:]) == (
        "be/s1", "-1", ["0", "SC", "1/1/0/0/1", "0/0"])
