"""`hacore run`: the supervisor, as systemd drives it (Type=notify).

It starts one child process per engine the configuration needs, each its own interpreter
(architecture.md §4.1): the VRRP speaker when there are vrrp_instances (adverts never wait on
the data plane), the data plane when there are frontends. Then READY=1.
SIGHUP: read the files again; with errors they are reported and nothing changes; otherwise
each running child is told to reload (SIGHUP) and a newly needed one starts. SIGTERM/SIGINT:
STOPPING=1, children stop gracefully (the VRRP one sends priority 0 and removes its VIPs),
exit 0. A child that dies is restarted after RESTART_DELAY, as keepalived restarts its own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import uvloop

from hacore.config import ConfigError, load
from hacore.config.model import Config
from hacore.daemon.child import PARENT_ENV
from hacore.daemon.sdnotify import notify
from hacore.proxy.resolve import resolve_host

RESTART_DELAY = 2.0  # seconds before a crashed child is started again
STOP_TIMEOUT = 10.0  # seconds a stopping child gets before SIGKILL


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


def engines(config: Config) -> dict[str, str]:
    """Engine name → module run as its child process."""
    wanted = {}
    if config.keepalived is not None and config.keepalived.instances:
        wanted["VRRP"] = "hacore.daemon.vrrp_process"
    if config.haproxy is not None and config.haproxy.frontends:
        wanted["data plane"] = "hacore.daemon.dataplane_process"
    return wanted


@dataclass(slots=True)
class Child:
    name: str
    module: str
    process: asyncio.subprocess.Process | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class Daemon:
    def __init__(self, config: Config, files: Sequence[str], config_id: str | None) -> None:
        self.config = config
        self.files = list(files)
        self.config_id = config_id
        self.stopping = asyncio.Event()
        self.reloads = 0
        self.children: dict[str, Child] = {}

    async def _spawn(self, child: Child) -> asyncio.subprocess.Process:
        args = [sys.executable, "-m", child.module]
        for path in self.files:
            args += ["-f", path]
        if self.config_id:
            args += ["-i", self.config_id]
        return await asyncio.create_subprocess_exec(
            *args, env={**os.environ, PARENT_ENV: str(os.getpid())})

    async def _supervise(self, child: Child) -> None:
        while not self.stopping.is_set():
            child.process = await self._spawn(child)
            status = await child.process.wait()
            if self.stopping.is_set():
                return
            _log(f"{child.name} process exited with status {status}; restarting in "
                 f"{RESTART_DELAY:g}s")
            try:
                await asyncio.wait_for(self.stopping.wait(), RESTART_DELAY)
            except TimeoutError:
                continue

    def _start_children(self) -> None:
        loop = asyncio.get_running_loop()
        for name, module in engines(self.config).items():
            if name not in self.children:
                child = Child(name, module)
                child.task = loop.create_task(self._supervise(child))
                self.children[name] = child

    def reload(self) -> None:
        notify("RELOADING=1")
        try:
            config = load(self.files, config_id=self.config_id, resolve=resolve_host)
        except ConfigError as error:
            for diagnostic in error.diagnostics:
                print(diagnostic, file=sys.stderr)
            _log("reload refused: the configuration has errors; the running one is kept")
        else:
            for warning in config.warnings:
                print(warning, file=sys.stderr)
            self.config = config
            self.reloads += 1
            for child in self.children.values():
                if child.process is not None and child.process.returncode is None:
                    child.process.send_signal(signal.SIGHUP)
            self._start_children()
            _log(f"reloaded: {describe(config)}")
        notify("READY=1")

    async def _stop_child(self, child: Child) -> None:
        process = child.process
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()
        if child.task is not None:
            await child.task

    async def serve(self) -> int:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        for stop in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stop, self.stopping.set)
        self._start_children()
        names = ", ".join(self.children) or "no engine (nothing to serve)"
        _log(f"hacore started: {describe(self.config)}; running {names}")
        notify("READY=1")
        await self.stopping.wait()
        notify("STOPPING=1")
        await asyncio.gather(*(self._stop_child(c) for c in self.children.values()))
        _log("hacore stopped")
        return 0


def run(config: Config, files: Sequence[str], config_id: str | None) -> int:
    return uvloop.run(Daemon(config, files, config_id).serve())
