"""The I/O shell around VirtualRouters (aioquic's protocol.transmit() shape): feed packets,
timer expiries and tracking changes in, execute the actions that come out, re-arm one timer per
router only when its deadline moved. When a timer fires, `now` is max(deadline, loop time), so
a late wake-up never makes a deadline look early.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import Counter
from dataclasses import dataclass, field

from hacore.config.keepalived_model import Notify, VrrpInstance, VrrpSyncGroup
from hacore.vrrp.actions import (
    Action,
    AddAddresses,
    GroupNotify,
    Log,
    NotifyLowerPriority,
    RemoveAddresses,
    RunNotify,
    SendAdvert,
    SendGratuitous,
    State,
    StateChanged,
)
from hacore.vrrp.addresses import AddressManager
from hacore.vrrp.journal import log
from hacore.vrrp.links import LinkMonitor
from hacore.vrrp.machine import VirtualRouter
from hacore.vrrp.packet import Advertisement, IPAddress, encode, encode_ipv4
from hacore.vrrp.priority import effective_priority
from hacore.vrrp.receive import address_mismatch, check_advert
from hacore.vrrp.scripts import NOTIFY_TIMEOUT, ScriptState, TrackedScript, run_command
from hacore.vrrp.sequencer import Sequencer
from hacore.vrrp.sockets import GarpSocket, VrrpSocket
from hacore.vrrp.sockets6 import NeighbourAdvertiser, VrrpSocket6

APPROACH = 0.02  # seconds: the last wait before a VRRP deadline (0.1% slack: 20 us)
LOG_EVERY = 10.0  # seconds between two logs of the same receive error (RFC 9568: rate-limited)


@dataclass(slots=True)
class RouterDriver:
    router: VirtualRouter
    instance: VrrpInstance
    link: VrrpSocket | VrrpSocket6
    garp: GarpSocket | NeighbourAdvertiser
    addresses: AddressManager
    group: IPAddress  # 224.0.0.18 or ff02::12 (or mcast_group4/6)
    links: LinkMonitor | None = None
    interfaces: dict[str, tuple[int, bool]] = field(default_factory=dict)  # (weight, reverse)
    scripts: list[tuple[TrackedScript, int, bool]] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)
    _timer: asyncio.TimerHandle | None = None
    _deadline: float | None = None
    _identification: int = 0
    _last_logged: dict[str, float] = field(default_factory=dict)
    _tasks: set[asyncio.Task[int | None]] = field(default_factory=set)
    _master: tuple[IPAddress, int] | None = None
    sequencer: Sequencer = field(default_factory=Sequencer)
    members: list[RouterDriver] = field(default_factory=list)  # its sync group, in order
    sync_group: VrrpSyncGroup | None = None

    def start(self) -> None:
        """Tracked interfaces weigh from the start (keepalived
        initialise_interface_tracking_priorities()); one down with weight 0 starts FAULT."""
        now = asyncio.get_running_loop().time()
        priority, fault = effective_priority(self.instance.priority, self._tracked())
        self.router.set_priority(priority, now)
        down = next((name for name, (weight, reverse) in self.interfaces.items()
                     if weight == 0 and self._link_up(name) == reverse), None)
        self.router.start(now, f"interface {down} down" if fault and down else None)
        if self.links is not None:
            for name in self.interfaces:
                self.links.watch(name, self.tracking_changed)
        self.transmit()

    def _link_up(self, name: str) -> bool:
        return self.links is not None and self.links.up.get(name, False)

    def _tracked(self) -> list[tuple[int, bool, bool | None]]:
        states = [(w, r, None if t.state is ScriptState.INIT else t.state is ScriptState.GOOD)
                  for t, w, r in self.scripts]
        states.extend((w, r, self._link_up(name)) for name, (w, r) in self.interfaces.items())
        return states

    async def shutdown(self) -> None:
        """Priority-0 advert and address removal done before this returns."""
        if self.links is not None:
            self.links.unwatch(self.tracking_changed)
        self._cancel_timer()
        self.router.shutdown(asyncio.get_running_loop().time())
        self.transmit()
        await self.sequencer.wait()

    def tracking_changed(self) -> None:
        priority, fault = effective_priority(self.instance.priority, self._tracked())
        now = asyncio.get_running_loop().time()
        self.router.set_priority(priority, now)
        self.router.set_fault(fault, now)
        self.transmit()

    def received(self, advert: Advertisement, ttl: int | None, source: IPAddress,
                 multicast: bool) -> None:
        self.counters["adverts_received"] += 1
        rejected = check_advert(advert, ttl, source, multicast, self.router.settings)
        if rejected is not None:
            self.counters[f"rejected_{rejected.reason.value}"] += 1
            self.report(rejected.reason.value, f"({self.instance.name}) advert from "
                               f"{source} discarded: {rejected.message}")
            return
        mismatch = address_mismatch(advert, self.router.settings)
        if mismatch is not None:
            self.counters["address_list_errors"] += 1
            self.report("address_list", mismatch)
        if advert.priority == 0:
            self.counters["priority_zero_received"] += 1
        elif (source, advert.priority) != self._master:
            self._master = (source, advert.priority)
            log(f"({self.instance.name}) master {source} priority {advert.priority}")
        self.router.receive(advert, source, asyncio.get_running_loop().time())
        self.transmit()

    def report(self, key: str, message: str) -> None:
        now = time.monotonic()
        if now - self._last_logged.get(key, -LOG_EVERY) >= LOG_EVERY:
            self._last_logged[key] = now
            log(message)

    # -- actions ---------------------------------------------------------------------------

    def transmit(self) -> None:
        """Queue the router's actions for the worker, which runs them in order (an advert
        before the addresses, the addresses before the GARPs), and re-arm the timer. In a
        sync group this router's actions go first, then the other members' in group order."""
        for driver in (self, *(d for d in self.members if d is not self)):
            while (action := driver.router.next_action()) is not None:
                self.sequencer.add(driver, action)
            driver.rearm()
        self.sequencer.kick()

    async def run_action(self, action: Action) -> None:
        if isinstance(action, SendAdvert):
            self._send_advert(action.priority)
        elif isinstance(action, AddAddresses):
            await self._addresses(add=True)
        elif isinstance(action, RemoveAddresses):
            await self._addresses(add=False)
        elif isinstance(action, SendGratuitous):
            self._send_gratuitous(action.count)
        elif isinstance(action, RunNotify):
            self._notify(action.state, self.instance.notify,
                         ("INSTANCE", self.instance.name), str(self.router.priority))
        elif isinstance(action, NotifyLowerPriority):
            if self.instance.notify.master_rx_lower_pri:
                self._spawn(self.instance.notify.master_rx_lower_pri, ())
        elif isinstance(action, GroupNotify):
            if self.sync_group is not None:
                self._notify(action.state, self.sync_group.notify,
                             ("GROUP", self.sync_group.name), "0")
        elif isinstance(action, StateChanged | Log):
            if isinstance(action, StateChanged) and action.new is State.MASTER:
                self.counters["became_master"] += 1
            log(action.message)

    def _send_advert(self, priority: int) -> None:
        s = self.router.settings
        advert = Advertisement(s.version, s.vrid, priority, s.advert_int_cs, s.addresses,
                               s.auth_type, s.auth_data)
        source = s.primary_address
        for destination in self._destinations():
            # v3's pseudo-header names the real destination, unicast peer included.
            message = encode(advert, source, destination, not self.instance.v3_checksum_as_v2)
            try:
                if isinstance(self.link, VrrpSocket6):
                    assert isinstance(destination, ipaddress.IPv6Address)
                    self.link.send(message, destination)  # the kernel writes the IPv6 header
                    continue
                assert isinstance(source, ipaddress.IPv4Address)
                assert isinstance(destination, ipaddress.IPv4Address)
                self._identification = (self._identification + 1) & 0xFFFF
                self.link.send(encode_ipv4(message, source, destination, self._identification),
                               destination)
            except OSError as error:
                self.report("send", f"({self.instance.name}) cannot send advert to "
                                    f"{destination}: {error}")
                return
        self.counters["adverts_sent"] += 1
        if priority == 0:
            self.counters["priority_zero_sent"] += 1

    def _destinations(self) -> list[IPAddress]:
        """keepalived's unicast mode sends one advert to each unicast_peer instead of the
        multicast group."""
        peers = [p.address for p in self.instance.unicast_peers
                 if p.address.version == self.group.version]
        return peers or [self.group]

    async def _addresses(self, add: bool) -> None:
        for vip in self.instance.virtual_addresses:
            try:
                if add:
                    await self.addresses.add(vip, self.instance.interface)
                else:
                    await self.addresses.remove(vip, self.instance.interface)
            except (OSError, LookupError) as error:
                log(f"({self.instance.name}) cannot {'add' if add else 'remove'} "
                    f"{vip.interface}: {error}")

    def _send_gratuitous(self, count: int) -> None:
        """`count` rounds over the VIPs (keepalived vrrp_send_link_update()), paced."""
        addresses = [vip.interface.ip for vip in self.instance.virtual_addresses]
        if isinstance(self.garp, NeighbourAdvertiser):
            self.garp.announce([a for a in addresses if isinstance(a, ipaddress.IPv6Address)],
                               count)
        else:
            self.garp.announce([a for a in addresses if isinstance(a, ipaddress.IPv4Address)],
                               count)

    def _notify(self, state: State, notify: Notify, who: tuple[str, str], priority: str) -> None:
        """notify_<state> with its own arguments only, then the generic `notify` with
        INSTANCE|GROUP <name> <STATE> <priority> (keepalived vrrp_notify.c; a group's
        priority is always 0, an instance's is its effective one)."""
        commands = {State.MASTER: notify.master, State.BACKUP: notify.backup,
                    State.FAULT: notify.fault, State.INIT: notify.stop}
        word = "STOP" if state is State.INIT else state.value
        if commands[state]:
            self._spawn(commands[state] or "", ())
        if notify.any_state:
            self._spawn(notify.any_state, (*who, word, priority))

    def _spawn(self, command: str, extra: tuple[str, ...]) -> None:
        task = asyncio.get_running_loop().create_task(run_command(command, extra, NOTIFY_TIMEOUT))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the one timer -----------------------------------------------------------------------

    def rearm(self) -> None:
        deadline = self.router.get_timer()
        if deadline == self._deadline:
            return
        self._cancel_timer()
        self._deadline = deadline
        if deadline is not None:
            self._approach(deadline)

    def _approach(self, deadline: float) -> None:
        """Wake APPROACH before the deadline, then wait the rest: Linux lets an epoll wait
        end late by 0.1% of its length (fs/select.c select_estimate_accuracy(): 3.6 ms on a
        3.6 s Master_Down_Interval, measured on the wire), a short last wait is exact."""
        loop = asyncio.get_running_loop()
        if deadline - loop.time() > APPROACH:
            self._timer = loop.call_at(deadline - APPROACH, self._approach, deadline)
        else:
            self._timer = loop.call_at(deadline, self._fire)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._deadline = None, None

    def _fire(self) -> None:
        deadline = self._deadline
        self._timer, self._deadline = None, None
        now = asyncio.get_running_loop().time()
        self.router.handle_timer(now if deadline is None else max(deadline, now))
        self.transmit()
