"""httplog lines of haproxy 2.6 and hacore for the same exchanges, field by field: dates and
timers count from a request's first byte (idle time left out), the byte count is haproxy's
HTX size (interim responses included), a cut response is one line, and a request answered
before its body was in is logged when the body is. The client port and date differ; timers
are compared to the 100 ms."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.interop.test_dataplane_vs_haproxy import BOUND, both, free_port

pytestmark = pytest.mark.interop("haproxy")

LINE = re.compile(r'.*?: 127\.0\.0\.1:\d+ \[[^]]+\] (\S+ \S+) (\S+) (.*)')
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
# What the scripted server answers, by request path: bytes, then whether it closes at once.
ANSWERS: dict[bytes, tuple[bytes, bool]] = {
    b"/ok": (OK, False),
    b"/interim": (b"HTTP/1.1 100 Continue\r\n\r\n" + OK, False),
    b"/nocontent": (b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", False),
    b"/chunked": (b"HTTP/1.1 200 OK\r\nX-A: b\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"5\r\nhello\r\n0\r\n\r\n", False),
    b"/cut": (b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc", True),
    b"/early": (b"HTTP/1.1 413 Too Large\r\ncontent-length: 2\r\n\r\nno", False),
}


class LogReceiver(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.lines: asyncio.Queue[str] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.lines.put_nowait(data.decode())


async def scripted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if head.split(b" ")[1] == b"/never":
                await reader.read()  # answers nothing, until the proxy closes
                break
            answer, closes = ANSWERS[head.split(b" ")[1]]
            writer.write(answer)
            await writer.drain()
            if closes:
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def fields(line: str) -> tuple[str, ...]:
    """What must be equal: frontend, backend/server, timers to the 100 ms, the rest (each
    datagram ends with a line feed, as haproxy's do)."""
    assert line.endswith("\n"), line
    match = LINE.fullmatch(line[:-1])
    assert match is not None, line
    timers = "/".join(t if t == "-1" else str(round(int(t), -2))
                      for t in match.group(2).split("/"))
    # the connection counters depend on when the previous connection's end was seen
    # (test_log_counters_as_haproxy compares them where that is settled): retries only
    rest = re.sub(r" \d+/\d+/\d+/\d+/(\d+) ", r" */*/*/*/\1 ", match.group(3))
    return match.group(1), timers, rest


async def keep_alive_pair(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /ok HTTP/1.1\r\nhost: t\r\n\r\n")
    await asyncio.wait_for(reader.readuntil(b"ok"), BOUND)
    await asyncio.sleep(0.3)  # idle between requests: not the second request's time
    writer.write(b"GET /ok HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n")
    await asyncio.wait_for(reader.read(), BOUND)
    writer.close()


async def one(port: int, path: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n".encode())
    await asyncio.wait_for(reader.read(), BOUND)
    writer.close()


async def body_after_answer(port: int) -> None:
    """The server answers on the head; the rest of the body comes 0.3 s later."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /early HTTP/1.1\r\nhost: t\r\ncontent-length: 4\r\n\r\nab")
    await asyncio.wait_for(reader.readuntil(b"no"), BOUND)
    await asyncio.sleep(0.3)
    writer.write(b"cd")
    writer.write(b"GET /ok HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n")
    await asyncio.wait_for(reader.read(), BOUND)
    writer.close()


Scenario = Callable[[int], Awaitable[None]]
SCENARIOS: dict[str, tuple[Scenario, int]] = {  # the client's part, and its log lines
    "keep-alive": (keep_alive_pair, 2),
    "interim": (lambda port: one(port, "/interim"), 1),
    "no-content-chunked": (lambda port: one(port, "/nocontent"), 1),
    "chunked": (lambda port: one(port, "/chunked"), 1),
    "cut": (lambda port: one(port, "/cut"), 1),
    "body-after-answer": (body_after_answer, 2),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_httplog_lines_as_haproxy(name: str, tmp_path: Path) -> None:
    scenario, count = SCENARIOS[name]
    loop = asyncio.get_running_loop()
    receivers = []
    for _ in range(2):
        transport, receiver = await loop.create_datagram_endpoint(
            LogReceiver, local_addr=("127.0.0.1", 0), family=socket.AF_INET)
        receivers.append((transport, receiver))
    log_ports = tuple(t.get_extra_info("sockname")[1] for t, _ in receivers)
    server = await asyncio.start_server(scripted, "127.0.0.1", free_port())
    backend = f"    server s1 127.0.0.1:{server.sockets[0].getsockname()[1]}\n"
    settings = "    log {log} local0\n    option httplog\n    option dontlognull\n"
    try:
        async with both(backend, [], tmp_path, settings, log_ports) as ports:
            lines: list[list[tuple[str, ...]]] = [[], []]
            for index, port in enumerate(ports):
                await scenario(port)
                await one(port, "/ok")  # a last request: its line comes after all others
                for _ in range(count + 1):
                    line = await asyncio.wait_for(receivers[index][1].lines.get(), BOUND)
                    lines[index].append(fields(line))
    finally:
        server.close()
        for transport, _ in receivers:
            transport.close()
    assert lines[1] == lines[0]


async def stalled_body(port: int, fin: bool = False, path: str = "/never") -> bytes:
    """Half a body, then nothing (or a FIN): what the client gets until the proxy closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"POST {path} HTTP/1.1\r\nhost: t\r\ncontent-length: 10\r\n\r\nabcde"
                 .encode())
    if fin:
        # (a FIN in the same segment as the body is logged CL-- by haproxy: once the body
        # has been forwarded, CD--)
        await asyncio.sleep(0.1)
        writer.write_eof()
    answer = await asyncio.wait_for(reader.read(), BOUND)
    writer.close()
    return answer


STALLS: dict[str, Callable[[int], Awaitable[bytes]]] = {
    # `timeout client` (300 ms) does not end a request whose server owes the response: a
    # 504 at `timeout server` (600 ms), sH--
    "server-owes-response": stalled_body,
    # answered at once, then the body stalls: closed at `timeout client`, cD--, no 408
    "answered-early": lambda port: stalled_body(port, path="/early"),
    # a FIN in mid-body: closed at once without a response, -1 CD--
    "fin-mid-body": lambda port: stalled_body(port, fin=True),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("name", list(STALLS))
async def test_a_stalled_body_ends_as_haproxy(name: str, tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    receivers = []
    for _ in range(2):
        transport, receiver = await loop.create_datagram_endpoint(
            LogReceiver, local_addr=("127.0.0.1", 0), family=socket.AF_INET)
        receivers.append((transport, receiver))
    log_ports = tuple(t.get_extra_info("sockname")[1] for t, _ in receivers)
    server = await asyncio.start_server(scripted, "127.0.0.1", free_port())
    backend = (f"    timeout server 600ms\n"
               f"    server s1 127.0.0.1:{server.sockets[0].getsockname()[1]}\n")
    settings = ("    log {log} local0\n    option httplog\n    option dontlognull\n"
                "    timeout client 300ms\n")
    seen: list[tuple[bytes, tuple[str, ...]]] = []
    try:
        async with both(backend, [], tmp_path, settings, log_ports) as ports:
            for index, port in enumerate(ports):
                answer = await STALLS[name](port)
                line = await asyncio.wait_for(receivers[index][1].lines.get(), BOUND)
                seen.append((answer, fields(line)))
    finally:
        server.close()
        for transport, _ in receivers:
            transport.close()
    assert seen[1] == seen[0]
    status, _, _, _, termination = seen[0][1][2].split()[:5]
    assert (status, termination) == {"server-owes-response": ("504", "sH--"),
                                     "answered-early": ("413", "cD--"),
                                     "fin-mid-body": ("-1", "CD--")}[name]
