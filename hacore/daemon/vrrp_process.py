"""The VRRP process: its own interpreter and event loop, so that adverts leave on time even
when the data plane saturates its CPU (architecture.md §4.1; keepalived runs VRRP in a child
for the same reason). Started by `hacore run`; it dies with its parent (PR_SET_PDEATHSIG:
SIGTERM), and SIGTERM is graceful: priority-0 adverts, then the virtual addresses go.

It runs on the standard asyncio loop, not uvloop: libuv timers have millisecond resolution and
the VRRP deadlines are kept to the microsecond (keepalived's skew arithmetic).

Run by hand for debugging: python -m hacore.daemon.vrrp_process -f keepalived.conf
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import signal
import sys
from collections.abc import Sequence

from hacore.config import ConfigError, load
from hacore.config.keepalived_model import KeepalivedConfig
from hacore.vrrp.addresses import AddressManager
from hacore.vrrp.driver import build_drivers, log

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


async def serve(config: KeepalivedConfig) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    addresses = AddressManager()
    try:
        await addresses.open()
        drivers, listeners = await build_drivers(config, addresses)
    except (LookupError, OSError) as error:
        log(f"cannot start: {error}")
        addresses.close()
        return 1
    for listener in listeners:
        loop.add_reader(listener.link.fileno(), listener.readable)
    for driver in drivers:
        driver.start()
        for runner, _, _ in driver.scripts:
            runner.start()
    log(f"VRRP started: {', '.join(d.instance.name for d in drivers)}")
    await stop.wait()
    for driver in drivers:
        for runner, _, _ in driver.scripts:
            runner.stop()
        await driver.shutdown()
    for listener in listeners:
        loop.remove_reader(listener.link.fileno())
        listener.link.close()
    for driver in drivers:
        driver.garp.close()
    addresses.close()
    log("VRRP stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hacore-vrrp")
    parser.add_argument("-f", dest="files", action="append", required=True)
    parser.add_argument("-i", dest="config_id")
    args = parser.parse_args(argv)
    die_with_parent()
    try:
        config = load(args.files, config_id=args.config_id)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    if config.keepalived is None or not config.keepalived.instances:
        log("no vrrp_instance configured")
        return 0
    return asyncio.run(serve(config.keepalived))


if __name__ == "__main__":
    raise SystemExit(main())
