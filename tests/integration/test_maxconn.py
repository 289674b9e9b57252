"""`maxconn` on a frontend and in `global` (configuration.txt): past the limit the proxy stops
accepting, the connection waits in the kernel's listen queue (established, unanswered) and is
served once a session ends; on both event loops."""

from __future__ import annotations

import asyncio
import errno
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.integration.backends import start_backends, stop_backends
from tests.integration.plane import data_plane, in_front_of

BOUND = 10.0
UNANSWERED = 0.3  # seconds a held connection is watched for an answer that must not come
ONE_SESSION = "    timeout client 5s\n    timeout server 5s\n    maxconn 1\n"  # defaults lines

Client = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@asynccontextmanager
async def tcp_plane(global_maxconn: str, frontends: list[tuple[int, str]],
                    bind_options: str = "") -> AsyncIterator[None]:
    servers, ports = await start_backends(["s1"])
    text = (f"global\n{global_maxconn}defaults\n    mode tcp\n    timeout connect 1s\n"
            "    timeout client 5s\n    timeout server 5s\n")
    for number, (port, settings) in enumerate(frontends):
        text += (f"frontend fe{number}\n    bind 127.0.0.1:{port}{bind_options}\n{settings}"
                 "    default_backend be\n")
    text += f"backend be\n    server s1 127.0.0.1:{ports[0]}\n"
    try:
        async with data_plane(text):
            yield
    finally:
        await stop_backends(servers)


async def answer_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """The origin: `ok` to every request until the proxy closes."""
    try:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
    except asyncio.IncompleteReadError:
        pass  # the proxy closed its server connection
    finally:
        writer.close()


def listen_backlog(port: int) -> int:
    """The backlog of the socket listening on `port`, as ss reports it (its Send-Q)."""
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True,
                         check=True, timeout=BOUND).stdout.split()
    return int(out[2])


async def served(port: int) -> Client:
    """A client whose session started: the backend greeted it through the proxy."""
    client = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), BOUND)
    assert await asyncio.wait_for(client[0].readline(), BOUND) == b"s1\n"
    return client


async def held(port: int) -> Client:
    """A client the kernel accepted (its backlog) but the proxy does not serve yet."""
    client = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), BOUND)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client[0].readline(), UNANSWERED)
    return client


async def close(client: Client) -> None:
    client[1].close()
    await client[1].wait_closed()


@pytest.mark.asyncio
async def test_frontend_maxconn_holds_clients_until_a_session_ends(unused_tcp_port: int) -> None:
    async with tcp_plane("", [(unused_tcp_port, "    maxconn 2\n")]):
        first, second = await served(unused_tcp_port), await served(unused_tcp_port)
        third, fourth = await held(unused_tcp_port), await held(unused_tcp_port)
        await close(first)
        assert await asyncio.wait_for(third[0].readline(), BOUND) == b"s1\n"
        with pytest.raises(TimeoutError):  # one slot freed: one client served
            await asyncio.wait_for(fourth[0].readline(), UNANSWERED)
        await close(second)
        assert await asyncio.wait_for(fourth[0].readline(), BOUND) == b"s1\n"
        for client in (third, fourth):
            await close(client)


@pytest.mark.asyncio
async def test_global_maxconn_is_shared_by_frontends(unused_tcp_port_factory: object) -> None:
    web, api = unused_tcp_port_factory(), unused_tcp_port_factory()  # type: ignore[operator]
    async with tcp_plane("    maxconn 1\n", [(web, ""), (api, "    maxconn 10\n")]):
        first = await served(web)
        waiting = await held(api)  # api has room, the process has none
        await close(first)
        assert await asyncio.wait_for(waiting[0].readline(), BOUND) == b"s1\n"
        await close(waiting)
        await close(await served(web))  # the listeners accept again


@pytest.mark.asyncio
async def test_bind_maxconn_limits_its_socket_only(unused_tcp_port_factory: object) -> None:
    """`bind ... maxconn 1` on one of two sockets: its second client waits while the other
    socket's clients are served; it goes in when the first leaves."""
    narrow, wide = unused_tcp_port_factory(), unused_tcp_port_factory()  # type: ignore[operator]
    async with tcp_plane("", [(narrow, f"    bind 127.0.0.1:{wide} backlog 8\n")],
                         bind_options=" maxconn 1"):
        first = await served(narrow)
        waiting = await held(narrow)
        other = await served(wide)
        assert listen_backlog(wide) == 8  # `backlog 8`: what listen() was given
        await close(first)
        assert await asyncio.wait_for(waiting[0].readline(), BOUND) == b"s1\n"
        for client in (waiting, other):
            await close(client)


@pytest.mark.asyncio
async def test_http_client_over_maxconn_is_answered_later(unused_tcp_port: int) -> None:
    request = b"GET / HTTP/1.1\r\nhost: a\r\n\r\n"
    async with in_front_of(answer_ok, unused_tcp_port, ONE_SESSION):
        first = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        first[1].write(request)
        assert (await asyncio.wait_for(first[0].readuntil(b"ok"), BOUND)).startswith(
            b"HTTP/1.1 200 OK")
        second = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        second[1].write(request)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(second[0].readuntil(b"ok"), UNANSWERED)
        third = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        third[1].write(request)
        third[1].write_eof()  # a whole request and the client's FIN, while it waits
        await close(first)  # a keep-alive session ends: the waiting request is read
        assert (await asyncio.wait_for(second[0].readuntil(b"ok"), BOUND)).startswith(
            b"HTTP/1.1 200 OK")
        await close(second)
        answer = await asyncio.wait_for(third[0].read(), BOUND)  # answered, then closed
        assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"ok")
        await close(third)


@pytest.mark.asyncio
async def test_clients_arriving_together_all_wait_for_a_slot(unused_tcp_port: int) -> None:
    """Four clients at once against maxconn 2: the event loop may accept them in one batch;
    the two over the limit wait (none is lost) and are served as the first two leave."""
    async with tcp_plane("", [(unused_tcp_port, "    maxconn 2\n")]):
        clients = await asyncio.gather(*(asyncio.wait_for(asyncio.open_connection(
            "127.0.0.1", unused_tcp_port), BOUND) for _ in range(4)))
        lines = await asyncio.gather(*(first_line_within(c, UNANSWERED) for c in clients))
        assert sorted(lines, key=bool) == [b"", b"", b"s1\n", b"s1\n"]
        for client, line in zip(clients, lines, strict=True):
            if line:
                await close(client)
        for client, line in zip(clients, lines, strict=True):
            if not line:
                assert await asyncio.wait_for(client[0].readline(), BOUND) == b"s1\n"
                await close(client)


async def first_line_within(client: Client, within: float) -> bytes:
    try:
        return await asyncio.wait_for(client[0].readline(), within)
    except TimeoutError:
        return b""


@pytest.mark.asyncio
async def test_a_listener_that_cannot_restart_tries_again(
        unused_tcp_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of descriptors when a slot frees (EMFILE on the socket's duplicate): the listener
    retries shortly after, as HAProxy does, instead of staying deaf."""
    real_dup, failures = socket.socket.dup, [OSError(errno.EMFILE, "Too many open files")]

    def dup(sock: socket.socket) -> socket.socket:
        if failures:
            raise failures.pop()
        return real_dup(sock)

    async with tcp_plane("", [(unused_tcp_port, "    maxconn 1\n")]):
        first = await served(unused_tcp_port)
        monkeypatch.setattr(socket.socket, "dup", dup)
        await close(first)  # the listener resumes: its first duplicate fails
        for _ in range(3):
            await close(await served(unused_tcp_port))
        assert not failures


@pytest.mark.asyncio
async def test_a_reload_serves_the_clients_queued_on_the_old_socket(unused_tcp_port: int) -> None:
    """The old data plane at maxconn has a client in its socket's queue when a reload
    closes its listeners: the client is taken in and served by the old plane, not reset."""
    servers, ports = await start_backends(["s1"])
    text = ("defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 5s\n"
            f"    timeout server 5s\nfrontend fe\n    bind 127.0.0.1:{unused_tcp_port}\n"
            f"    maxconn 1\n    default_backend be\nbackend be\n"
            f"    server s1 127.0.0.1:{ports[0]}\n")
    try:
        async with data_plane(text) as old:
            first = await served(unused_tcp_port)
            queued = await held(unused_tcp_port)
            async with data_plane(text):  # the new plane, beside the old one (SO_REUSEPORT)
                await old.stop_listening()
                await close(first)
                assert await asyncio.wait_for(queued[0].readline(), BOUND) == b"s1\n"
                await close(queued)
    finally:
        await stop_backends(servers)


@pytest.mark.asyncio
async def test_clients_that_send_and_shut_at_once_are_all_answered(unused_tcp_port: int) -> None:
    """maxconn 1, three clients each sending a whole request and its FIN at once: those that
    wait for the slot (in the listen queue, or accepted in the same batch) keep what they
    sent, FIN included, and are answered in turn, as HAProxy reads them once accepted."""
    async def ask() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(b"GET / HTTP/1.1\r\nhost: a\r\n\r\n")
        writer.write_eof()
        try:
            return await asyncio.wait_for(reader.read(), BOUND)
        finally:
            writer.close()
            await writer.wait_closed()

    async with in_front_of(answer_ok, unused_tcp_port, ONE_SESSION):
        answers = await asyncio.gather(*(ask() for _ in range(3)))
    assert [a[:15] + a[-2:] for a in answers] == [b"HTTP/1.1 200 OKok"] * 3
