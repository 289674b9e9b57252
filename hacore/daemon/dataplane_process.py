"""The data-plane process: frontends, balancing and forwarding on uvloop. Started by
`hacore run`; dies with its parent. SIGHUP re-reads the files and starts a new data plane
beside the running one (SO_REUSEPORT), then the old one stops listening and lets its
connections finish (up to DRAIN_TIMEOUT): a reload drops no connection. SIGTERM closes.

Run by hand for debugging: python -m hacore.daemon.dataplane_process -f haproxy.cfg
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence

import uvloop

from hacore.config import ConfigError, load
from hacore.config.haproxy_model import HaproxyConfig
from hacore.daemon.child import start_child
from hacore.proxy.dataplane import DataPlane

DRAIN_TIMEOUT = 30.0  # seconds an old data plane may finish its connections after a reload


def log(message: str) -> None:
    print(f"[proxy] {message}", file=sys.stderr, flush=True)


async def _drain(plane: DataPlane) -> None:
    await plane.stop_listening()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_TIMEOUT
    while plane.sessions and loop.time() < deadline:
        await asyncio.sleep(0.1)  # bounded poll of the old plane's session count
    await plane.stop()


async def serve(files: Sequence[str], config_id: str | None, config: HaproxyConfig) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    reloads: asyncio.Queue[None] = asyncio.Queue()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reloads.put_nowait, None)
    try:
        plane = DataPlane(config)
        await plane.start()
    except (OSError, ValueError) as error:
        log(f"cannot start: {error}")
        return 1
    log(f"listening: {', '.join(f.name for f in plane.frontends)}")
    draining: set[asyncio.Task[None]] = set()
    stopping = loop.create_task(stop.wait())
    while not stop.is_set():
        reload = loop.create_task(reloads.get())
        await asyncio.wait({stopping, reload}, return_when=asyncio.FIRST_COMPLETED)
        if not reload.done():
            reload.cancel()
            break
        plane = await _reload(files, config_id, plane, draining)
    await plane.stop()
    for task in draining:
        task.cancel()
    log("stopped")
    return 0


async def _reload(files: Sequence[str], config_id: str | None, plane: DataPlane,
                  draining: set[asyncio.Task[None]]) -> DataPlane:
    try:
        loaded = load(files, config_id=config_id)
    except ConfigError as error:
        print(error, file=sys.stderr)
        log("reload refused: the configuration has errors; the running one is kept")
        return plane
    if loaded.haproxy is None:
        return plane
    try:
        new = DataPlane(loaded.haproxy)
        await new.start()
    except (OSError, ValueError) as error:
        log(f"reload refused: {error}")
        return plane
    task = asyncio.get_running_loop().create_task(_drain(plane))
    draining.add(task)
    task.add_done_callback(draining.discard)
    log("reloaded: new connections go to the new configuration")
    return new


def main(argv: Sequence[str] | None = None) -> int:
    started = start_child("hacore-dataplane", argv)
    if started is None:
        return 1
    files, config_id, config = started
    if config.haproxy is None or not config.haproxy.frontends:
        log("no frontend configured")
        return 0
    return uvloop.run(serve(files, config_id, config.haproxy))


if __name__ == "__main__":
    raise SystemExit(main())
