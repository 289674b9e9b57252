"""`hacore run` serving HTTP end to end: the supervisor starts the data-plane process, a
request goes through, SIGHUP moves new requests to the new configuration, SIGTERM stops."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from tests.integration.http_backends import start_http_backends
from tests.integration.test_http_proxy import BOUND, DEFAULTS, body_of, exchange


async def wait_answer(port: int) -> bytes:
    """The first answer once the child listens (bounded: the child needs to start)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BOUND
    while True:
        try:
            (response,) = await exchange(port, b"GET /who HTTP/1.1\r\n\r\n")
            return response
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.05)  # bounded retry while the child binds


@pytest.mark.asyncio
async def test_run_serves_and_reloads(tmp_path: Path, unused_tcp_port: int) -> None:
    servers, ports = await start_http_backends([("old", None), ("new", None)])
    template = DEFAULTS + ("frontend fe\n    bind 127.0.0.1:{0}\n    default_backend be\n"
                           "backend be\n    server s 127.0.0.1:{1}\n")
    config = tmp_path / "haproxy.cfg"
    config.write_text(template.format(unused_tcp_port, ports[0]))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hacore", "run", "-f", str(config),
        stderr=asyncio.subprocess.DEVNULL)
    try:
        assert body_of(await wait_answer(unused_tcp_port)).startswith("old GET /who")
        config.write_text(template.format(unused_tcp_port, ports[1]))
        process.send_signal(signal.SIGHUP)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BOUND
        while body_of(await wait_answer(unused_tcp_port)).startswith("old"):
            assert loop.time() < deadline, "the reload never took effect"
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), BOUND) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        for server in servers:
            server.close()
            await server.wait_closed()
