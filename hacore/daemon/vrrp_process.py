"""The VRRP process: its own interpreter and event loop, so that adverts leave on time even
when the data plane saturates its CPU (architecture.md §4.1; keepalived runs VRRP in a child
for the same reason). Started by `hacore run`; it dies with its parent (PR_SET_PDEATHSIG:
SIGTERM), and SIGTERM is graceful: priority-0 adverts, then the virtual addresses go.
SIGHUP re-reads the files: instances whose settings did not change keep running untouched
(a reload must not pause adverts, keepalived issue 754); changed ones restart.

It runs on the standard asyncio loop, not uvloop: libuv timers have millisecond resolution and
the VRRP deadlines are kept to the microsecond (keepalived's skew arithmetic).

Run by hand for debugging: python -m hacore.daemon.vrrp_process -f keepalived.conf
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import selectors
from collections.abc import Sequence
from typing import Any

from hacore.config.errors import Location
from hacore.config.keepalived_model import KeepalivedConfig, VrrpInstance
from hacore.daemon.child import ControlSignals, reload_config, start_child
from hacore.vrrp.addresses import AddressManager
from hacore.vrrp.build import InterfaceListener, build_drivers
from hacore.vrrp.driver import RouterDriver
from hacore.vrrp.journal import log
from hacore.vrrp.links import LinkMonitor


def without_locations(value: Any) -> Any:
    """The value with every Location dropped: two readings of an unchanged block compare
    equal even when lines moved."""
    if isinstance(value, Location):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(without_locations(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, tuple):
        return tuple(without_locations(item) for item in value)
    return value


def signature(config: KeepalivedConfig, instance: VrrpInstance) -> Any:
    """What decides whether a reload leaves an instance running: its settings and those of
    its sync group, file lines aside."""
    groups = [g for g in config.sync_groups if instance.name in g.members]
    return without_locations((instance, tuple(groups)))


class VrrpService:
    def __init__(self, files: Sequence[str], config_id: str | None) -> None:
        self.files, self.config_id = list(files), config_id
        self.addresses = AddressManager()
        self.links = LinkMonitor(log)
        self.drivers: dict[str, RouterDriver] = {}
        self.listeners: list[InterfaceListener] = []
        self.config: KeepalivedConfig | None = None
        self.signatures: dict[str, Any] = {}

    async def start(self, config: KeepalivedConfig) -> None:
        await self.addresses.open()
        await self.links.open()
        await self._run(config, list(config.instances))

    async def _run(self, config: KeepalivedConfig, instances: list[VrrpInstance]) -> None:
        subset = dataclasses.replace(config, instances=tuple(instances))
        drivers, listeners = await build_drivers(subset, self.addresses, self.links)
        loop = asyncio.get_running_loop()
        for listener in listeners:
            loop.add_reader(listener.link.fileno(), listener.readable)
        self.listeners.extend(listeners)
        for driver in drivers:
            self.drivers[driver.instance.name] = driver
            self.signatures[driver.instance.name] = signature(config, driver.instance)
            driver.start()
            for runner, _, _ in driver.scripts:
                runner.start()
        self.config = config

    async def _stop(self, names: list[str]) -> None:
        for name in names:
            driver = self.drivers.pop(name)
            self.signatures.pop(name)
            for runner, _, _ in driver.scripts:
                runner.stop()
            await driver.shutdown()
            if all(d.garp is not driver.garp for d in self.drivers.values()):
                driver.garp.close()
        self._close_idle_listeners()

    def _close_idle_listeners(self) -> None:
        loop = asyncio.get_running_loop()
        for listener in list(self.listeners):
            listener.routers = {v: d for v, d in listener.routers.items()
                                if d.instance.name in self.drivers}
            if not listener.routers:
                loop.remove_reader(listener.link.fileno())
                listener.link.close()
                self.listeners.remove(listener)

    async def reload(self) -> None:
        loaded = reload_config(self.files, self.config_id, log)
        if loaded is None:
            return
        config = loaded.keepalived
        instances = list(config.instances) if config is not None else []
        wanted = {i.name: signature(config, i) for i in instances if config is not None}
        changed = [n for n in self.drivers if wanted.get(n) != self.signatures[n]]
        # A sync group starts and stops as a whole: its members share their sequencing.
        changed += [d.instance.name for n in list(changed) for d in self.drivers[n].members
                    if d.instance.name not in changed]
        await self._stop(changed)
        new = [i for i in instances if i.name not in self.drivers]
        if config is not None and new:
            await self._run(config, new)
        log(f"reloaded: {len(self.drivers) - len(new)} instance(s) untouched, "
            f"{len(changed)} stopped, {len(new)} started")

    async def stop(self) -> None:
        await self._stop(list(self.drivers))
        self.links.close()
        self.addresses.close()


async def serve(files: Sequence[str], config_id: str | None, config: KeepalivedConfig) -> int:
    signals = ControlSignals()
    service = VrrpService(files, config_id)
    try:
        await service.start(config)
    except (LookupError, OSError) as error:
        log(f"cannot start: {error}")
        await service.stop()
        return 1
    log(f"VRRP started: {', '.join(service.drivers)}")
    await signals.serve(service.reload)
    await service.stop()
    log("VRRP stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    started = start_child("hacore-vrrp", argv)
    if started is None:
        return 1
    files, config_id, config = started
    if config.keepalived is None or not config.keepalived.instances:
        log("no vrrp_instance configured")
        return 0
    rt_priority = config.keepalived.global_defs.rt_priority
    if rt_priority:
        # keepalived's vrrp_rt_priority: the VRRP process runs SCHED_RR at that priority, so
        # that adverts leave on time whatever else burns the CPU.
        try:
            os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(rt_priority))
        except OSError as error:
            log(f"vrrp_rt_priority {rt_priority}: {error}")
    # select(2) takes microsecond timeouts where epoll_wait(2) takes milliseconds: the VRRP
    # loop watches a handful of sockets and its deadlines are to the microsecond.
    with asyncio.Runner(loop_factory=lambda: asyncio.SelectorEventLoop(
            selectors.SelectSelector())) as runner:
        return runner.run(serve(files, config_id, config.keepalived))


if __name__ == "__main__":
    raise SystemExit(main())
