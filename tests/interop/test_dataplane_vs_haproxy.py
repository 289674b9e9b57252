"""The same configuration run by haproxy 2.6 and by hacore's data plane, the same requests
sent to both: identical backend sequences (course weights, backups, source, uri),
identical x-forwarded-for values, identical error responses."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from hacore.config import load_texts
from hacore.proxy.dataplane import DataPlane
from tests.integration.http_backends import start_http_backends

pytestmark = pytest.mark.interop("haproxy")
BOUND = 10.0
DEFAULTS = ("defaults\n    mode http\n    option forwardfor\n    option http-server-close\n"
            "    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    """A socket listens on 127.0.0.1:port (/proc/net/tcp, state 0A): found without a
    connection, which in tcp mode would be a session of its own (a server picked, a log)."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as table:
        return any(fields[1] == wanted and fields[3] == "0A"
                   for fields in (line.split() for line in table) if len(fields) > 3)


async def wait_listening(port: int) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BOUND
    while not listening(port):
        assert loop.time() < deadline, "haproxy did not start listening"
        await asyncio.sleep(0.02)  # bounded poll: haproxy says nothing when it listens


@asynccontextmanager
async def both(backend: str, names: list[tuple[str, bytes | None]],
               tmp: Path, frontend_settings: str = "", log_ports: tuple[int, int] = (0, 0)
               ) -> AsyncIterator[tuple[int, int]]:
    """(haproxy port, hacore port) in front of the same backends. `{log}` in
    `frontend_settings` is each proxy's syslog address, 127.0.0.1:<its log port>."""
    servers, ports = await start_http_backends(names)
    body = backend.format(*ports)
    hap_port, hc_port = free_port(), free_port()
    frontend = ("frontend fe\n    bind 127.0.0.1:{}\n" + frontend_settings
                + "    default_backend be\nbackend be\n")
    cfg = tmp / "haproxy.cfg"
    cfg.write_text("global\n    maxconn 100\n" + DEFAULTS
                   + frontend.format(hap_port, log=f"127.0.0.1:{log_ports[0]}") + body)
    haproxy = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    config = load_texts([("hc.cfg", DEFAULTS + frontend.format(
        hc_port, log=f"127.0.0.1:{log_ports[1]}") + body)], env={})
    assert config.haproxy is not None
    plane = DataPlane(config.haproxy)
    await plane.start()
    try:
        await wait_listening(hap_port)
        yield hap_port, hc_port
    finally:
        haproxy.terminate()
        haproxy.wait(timeout=10)
        await plane.stop()
        for server in servers:
            server.close()
            await server.wait_closed()


async def get(port: int, target: str = "/", source: str = "127.0.0.1",
              raw: bytes | None = None) -> bytes:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(
        "127.0.0.1", port, local_addr=(source, 0)), BOUND)
    writer.write(raw or f"GET {target} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n".encode())
    answer = await asyncio.wait_for(reader.read(), BOUND)
    writer.close()
    await writer.wait_closed()
    return answer


def who(answer: bytes) -> str:
    return answer.split(b"\r\n\r\n", 1)[1].split(b" ")[0].decode()


COURSE_WEIGHTS = ("    balance roundrobin\n    server app1 127.0.0.1:{0} weight 3\n"
                  "    server app2 127.0.0.1:{1} weight 2\n    server app3 127.0.0.1:{2} weight 1\n")


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", [
    COURSE_WEIGHTS,
    COURSE_WEIGHTS.replace("roundrobin", "static-rr"),
    "    balance roundrobin\n    server app1 127.0.0.1:{0} disabled\n"
    "    server app2 127.0.0.1:{1} backup\n    server app3 127.0.0.1:{2} backup\n",
], ids=["roundrobin", "static-rr", "first-backup"])
async def test_same_sequence(backend: str, tmp_path: Path) -> None:
    names = [("app1", None), ("app2", None), ("app3", None)]
    async with both(backend, names, tmp_path) as (hap, hc):
        theirs = [who(await get(hap)) for _ in range(12)]
        ours = [who(await get(hc)) for _ in range(12)]
    assert ours == theirs


@pytest.mark.asyncio
async def test_source_and_uri_hashing(tmp_path: Path) -> None:
    names = [("app1", None), ("app2", None), ("app3", None)]
    sources = [f"127.0.0.{i}" for i in range(1, 21)]
    uris = ["/", "/a", "/b?x=1", "/api/v1/users", "/static/logo.png", "/x/y/z", "/health"]
    async with both(COURSE_WEIGHTS.replace("roundrobin", "source"), names, tmp_path) as (h, c):
        assert [who(await get(c, source=s)) for s in sources] == [
            who(await get(h, source=s)) for s in sources]
    async with both(COURSE_WEIGHTS.replace("roundrobin", "uri"), names, tmp_path) as (h, c):
        assert [who(await get(c, u)) for u in uris] == [who(await get(h, u)) for u in uris]


@pytest.mark.asyncio
async def test_forwarded_for_and_errors(tmp_path: Path) -> None:
    async with both("    server app1 127.0.0.1:{0}\n", [("app1", None)], tmp_path) as (h, c):
        raw = b"GET / HTTP/1.1\r\nx-forwarded-for: 10.1.1.1\r\nconnection: close\r\n\r\n"
        theirs, ours = await get(h, raw=raw), await get(c, raw=raw)
        assert ours.split(b"\r\n\r\n", 1)[1] == theirs.split(b"\r\n\r\n", 1)[1]
        bad = b"GET / HTTP/1.1\r\nHost x\r\n\r\n"
        assert await get(c, raw=bad) == await get(h, raw=bad)
    async with both("", [], tmp_path) as (h, c):
        assert await get(c) == await get(h)  # no server: 503


SMUGGLING = [
    b"POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello",
    b"POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 5, 5\r\nconnection: close\r\n\r\nhello",
    b"POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n"
    b"5\r\nhello\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: identity\r\n\r\n",
    b"POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding : chunked\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n10000000000000\r\n",
    b"GET / HTTP/1.1\r\nhost: t\r\nx@y: 1\r\n\r\n",
    b"GET / HTTP/1.1\r\nhost: t\r\nx-a: 1\r\n folded\r\nconnection: close\r\n\r\n",
    b"GET / HTTP/1.0\r\nhost: t\r\ncontent-length: 1\r\n\r\nx",
    b"GET / HTTP/1.1\r\nhost: t\r\n" + b"x-h: v\r\n" * 100 + b"\r\n",
    b"GET / HTTP/1.1\r\nhost: t\r\nx-big: " + b"a" * 16000 + b"\r\n\r\n",
]


@pytest.mark.asyncio
async def test_smuggling_vectors_answered_alike(tmp_path: Path) -> None:
    """The same malformed or ambiguous requests to both: the same answers, and for those
    accepted the same body echo from the server (what it received)."""
    async with both("    server app1 127.0.0.1:{0}\n", [("app1", None)], tmp_path) as (h, c):
        for raw in SMUGGLING:
            assert await get(c, raw=raw) == await get(h, raw=raw), raw[:80]


async def answered(reader: asyncio.StreamReader, within: float) -> bool:
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), within)
    except TimeoutError:
        return False
    return True


@pytest.mark.asyncio
async def test_frontend_maxconn_holds_the_next_client(tmp_path: Path) -> None:
    """maxconn 1: a second client's request waits, unanswered, until the first client's
    keep-alive session ends; then it is served."""
    request = b"GET / HTTP/1.1\r\nhost: t\r\n\r\n"
    seen = {}
    async with both("    server app1 127.0.0.1:{0}\n", [("app1", None)], tmp_path,
                    "    maxconn 1\n") as ports:
        for port in ports:
            first = await asyncio.open_connection("127.0.0.1", port)
            first[1].write(request)
            first_served = await answered(first[0], BOUND)
            second = await asyncio.open_connection("127.0.0.1", port)
            second[1].write(request)
            early = await answered(second[0], 0.3)
            first[1].close()
            await first[1].wait_closed()
            seen[port] = (first_served, early, await answered(second[0], BOUND))
            second[1].close()
            await second[1].wait_closed()
    assert list(seen.values()) == [(True, False, True)] * 2
