"""Interface up/down from netlink link events (pyroute2 subscribed to RTMGRP_LINK), the I/O
behind track_interface and the tracking of an instance's own interface.

keepalived 2.2.7 (include/vrrp_if.h FLAGS_UP): an interface is up when IFF_UP and IFF_RUNNING
are both set, so a lost carrier is down; a deleted link is down (keepalived_netlink.c reads
RTM_DELLINK as flags 0). A change of a tracked interface is logged as keepalived logs it,
`Netlink reports eth1 down`, then every watcher is called.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

from pyroute2 import AsyncIPRoute
from pyroute2.netlink.rtnl import RTMGRP_LINK

IFF_UP = 0x1
IFF_RUNNING = 0x40


def flags_up(flags: int) -> bool:
    return flags & (IFF_UP | IFF_RUNNING) == IFF_UP | IFF_RUNNING


class LinkMonitor:
    def __init__(self, log: Callable[[str], None]) -> None:
        self._log = log
        self._events = AsyncIPRoute()
        self.up: dict[str, bool] = {}  # every interface the kernel reported, by name
        self._watchers: dict[str, list[Callable[[], None]]] = {}
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Subscribe first, then read the current links: no change can fall in between."""
        await self._events.bind(groups=RTMGRP_LINK)
        dump = AsyncIPRoute()
        try:
            async for link in await dump.get_links(family=socket.AF_UNSPEC):
                self.up[str(link.get("IFLA_IFNAME"))] = flags_up(int(link["flags"]))
        finally:
            dump.close()
        self._task = asyncio.get_running_loop().create_task(self._follow())

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._events.close()

    def watch(self, name: str, changed: Callable[[], None]) -> None:
        self._watchers.setdefault(name, []).append(changed)

    def unwatch(self, changed: Callable[[], None]) -> None:
        for callbacks in self._watchers.values():
            while changed in callbacks:
                callbacks.remove(changed)

    async def _follow(self) -> None:
        while True:
            async for message in self._events.get():
                name = message.get("IFLA_IFNAME")
                if name is None:
                    continue
                now_up = (message["event"] == "RTM_NEWLINK"
                          and flags_up(int(message["flags"])))
                self.changed(str(name), now_up)

    def changed(self, name: str, now_up: bool) -> None:
        if self.up.get(name) == now_up:
            return
        self.up[name] = now_up
        callbacks = self._watchers.get(name)
        if callbacks:
            self._log(f"Netlink reports {name} {'up' if now_up else 'down'}")
            for callback in list(callbacks):
                callback()
