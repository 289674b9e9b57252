"""`log` target options run by haproxy 2.6 and hacore: each format's header, levels as a
maximum and a minimum, `len`, `sample` and `log-tag`, the same datagrams in the same order
once the times, process ids and client ports are masked."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import pytest

from tests.interop.test_dataplane_vs_haproxy import BOUND, both, free_port
from tests.interop.test_httplog_vs_haproxy import LogReceiver, one, scripted

pytestmark = pytest.mark.interop("haproxy")

TARGETS = ("local0", "format rfc5424 local1", "format short local2",
           "format priority local3 debug debug", "format timed local4", "format iso local5",
           "format raw local6", "len 80 format iso local7", "local0 notice",
           "format priority sample 2-3:4 local1 info", "format local local2 info notice")
REQUESTS = 5
MASKS = (
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d"), "ISO"),
    (re.compile(r"[A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d"), "DATE"),
    (re.compile(r"\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\]"), "[ACCEPT]"),
    (re.compile(r"webfe\[\d+\]"), "webfe[PID]"),
    (re.compile(r"webfe \d+ "), "webfe PID "),
    (re.compile(r"127\.0\.0\.1:\d{5}"), "CLIENT"),
    (re.compile(r" \d+/\d+/\d+/\d+/\d+ "), " TIMERS "),  # and the counters
)


def masked(datagram: str) -> str:
    for pattern, replacement in MASKS:
        datagram = pattern.sub(replacement, datagram)
    return datagram


@pytest.mark.asyncio
async def test_log_targets_frame_as_haproxy(tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    receivers = []
    for _ in range(2):
        transport, receiver = await loop.create_datagram_endpoint(
            LogReceiver, local_addr=("127.0.0.1", 0), family=socket.AF_INET)
        receivers.append((transport, receiver))
    log_ports = (receivers[0][0].get_extra_info("sockname")[1],
                 receivers[1][0].get_extra_info("sockname")[1])
    server = await asyncio.start_server(scripted, "127.0.0.1", free_port())
    backend = f"    server s1 127.0.0.1:{server.sockets[0].getsockname()[1]}\n"
    settings = ("".join(f"    log {{log}} {target}\n" for target in TARGETS)
                + "    log-tag webfe\n    option httplog\n    option dontlognull\n")
    seen: list[list[str]] = [[], []]
    try:
        async with both(backend, [], tmp_path, settings, log_ports) as ports:
            for index, port in enumerate(ports):
                for _ in range(REQUESTS):
                    await one(port, "/ok")
                # each request: one datagram per target but `notice` (none) and the sample
                expected = REQUESTS * (len(TARGETS) - 2) + 2
                for _ in range(expected):
                    datagram = await asyncio.wait_for(receivers[index][1].lines.get(), BOUND)
                    seen[index].append(masked(datagram))
    finally:
        server.close()
        for transport, _ in receivers:
            transport.close()
    assert seen[1] == seen[0]
    assert seen[0][:10] == [
        '<134>DATE webfe[PID]: CLIENT [ACCEPT] fe be/s1 TIMERS 200 51 - - ---- TIMERS 0/0 '
        '"GET /ok HTTP/1.1"\n',
        '<142>1 ISO - webfe PID - - CLIENT [ACCEPT] fe be/s1 TIMERS 200 51 - - ---- TIMERS '
        '0/0 "GET /ok HTTP/1.1"\n',
        '<6>CLIENT [ACCEPT] fe be/s1 TIMERS 200 51 - - ---- TIMERS 0/0 "GET /ok HTTP/1.1"\n',
        '<159>CLIENT [ACCEPT] fe be/s1 TIMERS 200 51 - - ---- TIMERS 0/0 "GET /ok '
        'HTTP/1.1"\n',
        '<6>ISO CLIENT [ACCEPT] fe be/s1 TIMERS 200 51 - - ---- TIMERS 0/0 "GET /ok '
        'HTTP/1.1"\n',
        'ISO CLIENT [ACCEPT] fe be/s1 TIMERS 200 51 - - ---- TIMERS 0/0 "GET /ok HTTP/1.1"\n',
        'CLIENT [ACCEPT] fe be/s1 TIMERS 200 51 - - ---- TIMERS 0/0 "GET /ok HTTP/1.1"\n',
        'ISO CLIENT [ACCEPT] fe b\n',
        '<150>DATE webfe[PID]: CLIENT [ACCEPT] fe be/s1 TIMERS 200 51 - - ---- TIMERS 0/0 '
        '"GET /ok HTTP/1.1"\n',
        '<134>DATE webfe[PID]: CLIENT [ACCEPT] fe be/s1 TIMERS 200 51 - - ---- TIMERS 0/0 '
        '"GET /ok HTTP/1.1"\n',
    ]
