"""A data plane from haproxy.cfg text, started and stopped around a test; or one in front
of a single scripted server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from hacore.config import load_texts
from hacore.proxy.dataplane import DataPlane

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def data_plane(text: str) -> AsyncIterator[DataPlane]:
    config = load_texts([("test.cfg", text)], env={})
    assert config.haproxy is not None
    plane = DataPlane(config.haproxy)
    await plane.start()
    try:
        yield plane
    finally:
        await plane.stop()


@asynccontextmanager
async def in_front_of(handler: Handler, port: int, settings: str,
                      mode: str = "http") -> AsyncIterator[None]:
    """Frontend `fe` on 127.0.0.1:`port`, backend `be` with one server run by `handler`;
    `settings` are defaults lines after `mode` and `timeout connect 1s`."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    text = (f"defaults\n    mode {mode}\n    timeout connect 1s\n{settings}frontend fe\n"
            f"    bind 127.0.0.1:{port}\n    default_backend be\nbackend be\n"
            f"    server s1 127.0.0.1:{server.sockets[0].getsockname()[1]}\n")
    try:
        async with data_plane(text):
            yield
    finally:
        server.close()
        await server.wait_closed()
