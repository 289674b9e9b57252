"""What both engine processes share: read `-f`/`-i` like `hacore run`, die with the supervisor
(PR_SET_PDEATHSIG), load the configuration (errors printed, exit 1), then serve until SIGTERM
or SIGINT, re-reading the files on each SIGHUP."""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence

from hacore.config import ConfigError, load
from hacore.config.model import Config

PR_SET_PDEATHSIG = 1
PARENT_ENV = "HACORE_PARENT_PID"


def die_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent dies, then close the race where it already
    did (the parent passes its PID)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    expected = os.environ.get(PARENT_ENV)
    if expected and os.getppid() != int(expected):
        os.kill(os.getpid(), signal.SIGTERM)


def start_child(prog: str, argv: Sequence[str] | None
                ) -> tuple[list[str], str | None, Config] | None:
    """(files, config id, configuration), or None after printing why it cannot be loaded."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("-f", dest="files", action="append", required=True)
    parser.add_argument("-i", dest="config_id")
    args = parser.parse_args(argv)
    die_with_parent()
    try:
        config = load(args.files, config_id=args.config_id)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return None
    return args.files, args.config_id, config


def reload_config(files: Sequence[str], config_id: str | None,
                  log: Callable[[str], None]) -> Config | None:
    """The files read again, or None after printing their errors: a bad edit never replaces
    the running configuration."""
    try:
        return load(files, config_id=config_id)
    except ConfigError as error:
        print(error, file=sys.stderr)
        log("reload refused: the configuration has errors; the running one is kept")
        return None


class ControlSignals:
    """SIGTERM/SIGINT stop, SIGHUP asks for a reload. Installed before start-up so that a
    signal sent while the engine starts is kept, not lost to the default action."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        self.reloads: asyncio.Queue[None] = asyncio.Queue()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, self.stop.set)
        loop.add_signal_handler(signal.SIGHUP, self.reloads.put_nowait, None)

    async def serve(self, reload: Callable[[], Awaitable[None]]) -> None:
        """Run `reload` once per SIGHUP, one after the other, until a stop signal."""
        loop = asyncio.get_running_loop()
        stopping = loop.create_task(self.stop.wait())
        while not self.stop.is_set():
            request = loop.create_task(self.reloads.get())
            await asyncio.wait({stopping, request}, return_when=asyncio.FIRST_COMPLETED)
            if not request.done():
                request.cancel()
                break
            await reload()
