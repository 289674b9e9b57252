"""The same flapping server checked by haproxy 2.6 and by hacore: the same transitions, in
the same order, with the same reasons, codes and infos (check durations aside)."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import pytest

from hacore.config import load_texts
from hacore.proxy.dataplane import DataPlane
from tests.interop.test_dataplane_vs_haproxy import free_port

pytestmark = pytest.mark.interop("haproxy")
BOUND = 10.0
BACKEND = ("backend be\n    option httpchk GET /health\n    timeout check 300ms\n"
           "    server s1 127.0.0.1:{port} check inter 100ms fall 2 rise 2\n")
TRANSITION = re.compile(r"(Server be/s1 is (?:UP|DOWN), reason: .*?), check duration: \d+ms"
                        r"(\..*)")


class Flappy:
    """A health endpoint whose behaviour the test switches: ok, error, close, silent."""

    def __init__(self) -> None:
        self.mode = "ok"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            if self.mode == "ok":
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            elif self.mode == "error":
                writer.write(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n")
            elif self.mode == "silent":
                await asyncio.sleep(1.0)  # longer than timeout check: the checker gives up
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def transitions(text: str) -> list[str]:
    return ["".join(m.groups()) for m in TRANSITION.finditer(text)]


@pytest.mark.asyncio
async def test_same_transitions_as_haproxy(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    flappy = Flappy()
    server = await asyncio.start_server(flappy.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    defaults = ("defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n"
                "    timeout server 5s\n")
    hap_cfg = tmp_path / "haproxy.cfg"
    hap_cfg.write_text("global\n    maxconn 100\n" + defaults + "frontend fe\n    bind "
                       f"127.0.0.1:{free_port()}\n    default_backend be\n"
                       + BACKEND.format(port=port))
    haproxy_log = tmp_path / "haproxy.log"
    with haproxy_log.open("w") as out:
        haproxy = subprocess.Popen(["haproxy", "-db", "-f", str(hap_cfg)], stderr=out,
                                   stdout=subprocess.DEVNULL)
    config = load_texts([("hc.cfg", defaults + f"frontend fe\n    bind 127.0.0.1:{free_port()}"
                          "\n    default_backend be\n" + BACKEND.format(port=port))], env={})
    assert config.haproxy is not None
    plane = DataPlane(config.haproxy)
    await plane.start()
    ours: list[str] = []
    try:
        for step, mode in enumerate(("error", "ok", "close", "ok", "silent", "ok"), start=1):
            flappy.mode = mode
            loop = asyncio.get_running_loop()
            deadline = loop.time() + BOUND
            while True:  # bounded: until both have reported this step's transition
                ours += transitions(capsys.readouterr().err)
                theirs = transitions(haproxy_log.read_text())
                if len(ours) >= step and len(theirs) >= step:
                    break
                assert loop.time() < deadline, f"no transition for {mode}: {ours} {theirs}"
                await asyncio.sleep(0.05)  # bounded poll of both logs
    finally:
        haproxy.terminate()
        haproxy.wait(timeout=10)
        await plane.stop()
        server.close()
        await server.wait_closed()
    assert ours == transitions(haproxy_log.read_text())
