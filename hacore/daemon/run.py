"""`hacore run`: the supervisor, as systemd drives it (Type=notify).

Start: the configuration is already loaded and valid; the VRRP process starts when there are
vrrp_instances (its own interpreter, so adverts never wait on the data plane), then READY=1.
SIGHUP: read the files again; a configuration with errors is reported and the running one
kept; a good one is taken and the VRRP process told to reload. SIGTERM or SIGINT: STOPPING=1,
the VRRP process stops gracefully (priority-0 adverts, VIPs removed), exit 0. A VRRP process
that dies is restarted after RESTART_DELAY, as keepalived restarts its children.
The data plane attaches here with its issue.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence

import uvloop

from hacore.config import ConfigError, load
from hacore.config.model import Config
from hacore.daemon.sdnotify import notify
from hacore.daemon.vrrp_process import PARENT_ENV

RESTART_DELAY = 2.0  # seconds before a crashed VRRP process is started again
STOP_TIMEOUT = 10.0  # seconds a stopping VRRP process gets before SIGKILL


def _log(message: str) -> None:
    print(f"[NOTICE] {message}", file=sys.stderr, flush=True)


def describe(config: Config) -> str:
    parts = []
    if config.haproxy is not None:
        parts.append(f"{len(config.haproxy.frontends)} frontend(s), "
                     f"{len(config.haproxy.backends)} backend(s)")
    if config.keepalived is not None:
        parts.append(f"{len(config.keepalived.instances)} vrrp_instance(s)")
    return ", ".join(parts)


class Daemon:
    """Holds the running configuration, the VRRP child, and reacts to signals."""

    def __init__(self, config: Config, files: Sequence[str], config_id: str | None) -> None:
        self.config = config
        self.files = list(files)
        self.config_id = config_id
        self.stopping = asyncio.Event()
        self.reloads = 0
        self.vrrp: asyncio.subprocess.Process | None = None
        self._supervise: asyncio.Task[None] | None = None

    def _wants_vrrp(self) -> bool:
        return self.config.keepalived is not None and bool(self.config.keepalived.instances)

    async def _spawn_vrrp(self) -> asyncio.subprocess.Process:
        args = [sys.executable, "-m", "hacore.daemon.vrrp_process"]
        for path in self.files:
            args += ["-f", path]
        if self.config_id:
            args += ["-i", self.config_id]
        return await asyncio.create_subprocess_exec(
            *args, env={**os.environ, PARENT_ENV: str(os.getpid())})

    async def _supervise_vrrp(self) -> None:
        while not self.stopping.is_set():
            self.vrrp = await self._spawn_vrrp()
            status = await self.vrrp.wait()
            if self.stopping.is_set():
                return
            _log(f"VRRP process exited with status {status}; restarting in {RESTART_DELAY:g}s")
            try:
                await asyncio.wait_for(self.stopping.wait(), RESTART_DELAY)
            except TimeoutError:
                continue

    def reload(self) -> None:
        notify("RELOADING=1")
        try:
            config = load(self.files, config_id=self.config_id)
        except ConfigError as error:
            for diagnostic in error.diagnostics:
                print(diagnostic, file=sys.stderr)
            _log("reload refused: the configuration has errors; the running one is kept")
        else:
            for warning in config.warnings:
                print(warning, file=sys.stderr)
            self.config = config
            self.reloads += 1
            if self.vrrp is not None and self.vrrp.returncode is None:
                self.vrrp.send_signal(signal.SIGHUP)
            elif self._wants_vrrp() and self._supervise is None:
                self._supervise = asyncio.get_running_loop().create_task(self._supervise_vrrp())
            _log(f"reloaded: {describe(config)}")
        notify("READY=1")

    async def _stop_vrrp(self) -> None:
        if self.vrrp is None or self.vrrp.returncode is not None:
            return
        self.vrrp.terminate()
        try:
            await asyncio.wait_for(self.vrrp.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.vrrp.kill()
            await self.vrrp.wait()

    async def serve(self) -> int:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        for stop in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stop, self.stopping.set)
        if self._wants_vrrp():
            self._supervise = loop.create_task(self._supervise_vrrp())
        engines = "VRRP speaker" if self._wants_vrrp() else "no VRRP instance"
        _log(f"hacore started: {describe(self.config)}; {engines}; the proxy engine is not "
             "built yet")
        notify("READY=1")
        await self.stopping.wait()
        notify("STOPPING=1")
        await self._stop_vrrp()
        if self._supervise is not None:
            await self._supervise
        _log("hacore stopped")
        return 0


def run(config: Config, files: Sequence[str], config_id: str | None) -> int:
    return uvloop.run(Daemon(config, files, config_id).serve())
