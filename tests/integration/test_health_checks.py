"""Health checks against real loopback servers: a server answering 500 is marked DOWN with
HAProxy's log line and leaves balancing; when every active server is down the backup
serves; traffic follows the transitions."""

from __future__ import annotations

import asyncio
import contextlib
import os

import pytest

from hacore.config import load_texts
from hacore.proxy.dataplane import DataPlane
from tests.integration.http_backends import start_http_backends
from tests.integration.test_http_proxy import BOUND, DEFAULTS, body_of, exchange

ERROR_500 = b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n"


async def wait_until(condition: object, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BOUND
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, f"not within {BOUND}s: {what}"
        await asyncio.sleep(0.01)  # bounded poll of the pool's state


@pytest.mark.asyncio
async def test_failing_server_goes_down_and_backup_takes_over(
        unused_tcp_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    servers, ports = await start_http_backends([("app1", None), ("app2", ERROR_500),
                                                ("app3", None)])
    text = DEFAULTS + (
        f"frontend fe\n    bind 127.0.0.1:{unused_tcp_port}\n    default_backend b\n"
        "backend b\n    option httpchk GET /health\n    http-check expect status 200\n"
        f"    server app1 127.0.0.1:{ports[0]} check inter 100ms\n"
        f"    server app2 127.0.0.1:{ports[1]} check inter 100ms\n"
        f"    server app3 127.0.0.1:{ports[2]} check inter 100ms backup\n")
    config = load_texts([("t.cfg", text)], env={})
    assert config.haproxy is not None
    plane = DataPlane(config.haproxy)
    await plane.start()
    members = {s.name: s.member for s in plane.backends["b"].servers}
    try:
        await wait_until(lambda: not members["app2"].up, "app2 marked DOWN")
        names = [body_of(r).split()[0] for r in await exchange(
            unused_tcp_port, b"GET / HTTP/1.1\r\n\r\n" * 3, responses=3)]
        assert names == ["app1", "app1", "app1"]
        servers[0].close()  # app1 stops listening: its next check is refused
        await servers[0].wait_closed()
        await wait_until(lambda: not members["app1"].up, "app1 marked DOWN")
        (response,) = await exchange(unused_tcp_port, b"GET / HTTP/1.1\r\n\r\n")
        assert body_of(response).startswith("app3 ")
    finally:
        await plane.stop()
        for server in servers:
            server.close()
            await server.wait_closed()
    log = capsys.readouterr().err
    assert ("[WARNING] Server b/app2 is DOWN, reason: Layer7 wrong status, code: 500, info: "
            '"Internal Server Error", check duration:') in log
    assert ("check duration: " in log and
            "ms. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining"
            " in queue." in log)
    assert "[ALERT] backend 'b' has no server available!" not in log
    assert "[WARNING] Server b/app1 is DOWN, reason: Layer4 connection problem" in log


@pytest.mark.asyncio
async def test_tcp_check_rules_and_a_silent_server(unused_tcp_port: int) -> None:
    """tcp-check send/expect against a server answering +PONG, and one that accepts but
    never answers (a black hole): the first stays UP, the second goes DOWN on timeout."""
    async def pong(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if await reader.readline() == b"PING\r\n":
            writer.write(b"+PONG\r\n")
            await writer.drain()
        writer.close()

    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read()  # holds the connection until the checker gives up
        writer.close()

    good = await asyncio.start_server(pong, "127.0.0.1", 0)
    hole = await asyncio.start_server(silent, "127.0.0.1", 0)
    ports = [s.sockets[0].getsockname()[1] for s in (good, hole)]
    text = ("defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 5s\n"
            f"    timeout server 5s\nfrontend fe\n    bind 127.0.0.1:{unused_tcp_port}\n"
            "    default_backend b\nbackend b\n    option tcp-check\n    tcp-check send PING\\r\\n\n"
            "    tcp-check expect string +PONG\n"
            f"    server good 127.0.0.1:{ports[0]} check inter 200ms\n"
            f"    server hole 127.0.0.1:{ports[1]} check inter 200ms\n")
    config = load_texts([("t.cfg", text)], env={})
    assert config.haproxy is not None
    plane = DataPlane(config.haproxy)
    await plane.start()
    members = {s.name: s.member for s in plane.backends["b"].servers}
    checker = plane.checkers[0]
    try:
        await wait_until(lambda: not members["hole"].up, "the black hole marked DOWN")
        await wait_until(lambda: "good" in checker.results, "the good server checked")
        assert members["good"].up
        assert (checker.results["good"].status, checker.results["hole"].status) == (
            "L7OK", "L7TOUT")
    finally:
        await plane.stop()
        for server in (good, hole):
            server.close()
            await server.wait_closed()
        # A check begun just before stop() may still hold a black-hole connection whose
        # close the server has not seen yet; Python 3.11's wait_closed() does not wait for it.
        for writer in held:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


@pytest.mark.asyncio
async def test_on_marked_down_shutdown_sessions(unused_tcp_port: int) -> None:
    """A TCP session on a server that goes DOWN is closed when the server asks for it."""
    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello\n")
        await writer.drain()
        await reader.read()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    text = ("defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 5s\n"
            f"    timeout server 5s\nfrontend fe\n    bind 127.0.0.1:{unused_tcp_port}\n"
            "    default_backend b\nbackend b\n"
            f"    server s1 127.0.0.1:{port} check inter 100ms on-marked-down shutdown-sessions\n")
    config = load_texts([("t.cfg", text)], env={})
    assert config.haproxy is not None
    plane = DataPlane(config.haproxy)
    await plane.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        assert await asyncio.wait_for(reader.readline(), BOUND) == b"hello\n"
        server.close()  # new connections (the checks) are refused; ours stays open
        assert await asyncio.wait_for(reader.read(), BOUND) == b""  # closed by hacore
        writer.close()
        await writer.wait_closed()
    finally:
        await plane.stop()
        await server.wait_closed()


@pytest.mark.asyncio
async def test_state_changes_go_to_the_backends_log_targets(
        unused_tcp_port: int, capfd: pytest.CaptureFixture[str]) -> None:
    """As haproxy 2.6.12 sends them: DOWN at alert, `no server available` at emerg (without
    the quotes of the stderr line); a target's level filters them like any message."""
    text = DEFAULTS + (
        f"frontend fe\n    bind 127.0.0.1:{unused_tcp_port}\n    default_backend b\n"
        "backend b\n    log stdout format short local0\n    log stdout local1 emerg\n"
        "    server s1 127.0.0.1:1 check inter 100ms fall 1\n")
    config = load_texts([("t.cfg", text)], env={})
    assert config.haproxy is not None
    plane = DataPlane(config.haproxy)
    await plane.start()
    try:
        member = plane.backends["b"].servers[0].member
        await wait_until(lambda: not member.up, "s1 marked DOWN")
    finally:
        await plane.stop()
    lines = capfd.readouterr().out.splitlines()
    assert lines[0].startswith('<1>Server b/s1 is DOWN, reason: Layer4 connection problem, '
                               'info: "Connection refused", check duration: ')
    assert lines[0].endswith("ms. 0 active and 0 backup servers left. 0 sessions active, "
                             "0 requeued, 0 remaining in queue.")
    assert lines[1:3] == ["<0>backend b has no server available!",
                          f"<136>{lines[2][5:20]} haproxy[{os.getpid()}]: backend b has no "
                          "server available!"]
