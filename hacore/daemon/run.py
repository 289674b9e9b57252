"""`hacore run`: the foreground daemon's lifecycle, as systemd drives it (Type=notify).

Start: the configuration is already loaded and valid; tell systemd READY=1. SIGHUP: read the
same files again; a configuration with errors is reported and the running one is kept, as
`haproxy -c` guards a reload. SIGTERM or SIGINT: STOPPING=1 and exit 0.
The data-plane and VRRP engines attach here as their issues land; until then the daemon holds
the validated configuration and says plainly which engines it is running.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence

import uvloop

from hacore.config import ConfigError, load
from hacore.config.model import Config
from hacore.daemon.sdnotify import notify


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
    """Holds the running configuration and reacts to signals."""

    def __init__(self, config: Config, files: Sequence[str], config_id: str | None) -> None:
        self.config = config
        self.files = list(files)
        self.config_id = config_id
        self.stopping = asyncio.Event()
        self.reloads = 0

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
            _log(f"reloaded: {describe(config)}")
        notify("READY=1")

    async def serve(self) -> int:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        for stop in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stop, self.stopping.set)
        _log(f"hacore started: {describe(self.config)}; no traffic engine is built yet "
             "(data plane and VRRP speaker land with their issues)")
        notify("READY=1")
        await self.stopping.wait()
        notify("STOPPING=1")
        _log("hacore stopped")
        return 0


def run(config: Config, files: Sequence[str], config_id: str | None) -> int:
    return uvloop.run(Daemon(config, files, config_id).serve())
