"""A data plane from haproxy.cfg text, started and stopped around a test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hacore.config import load_texts
from hacore.proxy.dataplane import DataPlane


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
