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

from hacore.config.keepalived_model import KeepalivedConfig, Notify, VrrpInstance, VrrpSyncGroup
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
from hacore.vrrp.garp import mac_bytes
from hacore.vrrp.journal import log
from hacore.vrrp.links import LinkMonitor
from hacore.vrrp.machine import VirtualRouter
from hacore.vrrp.packet import Advertisement, ParseError, decode, decode_ipv4, encode, encode_ipv4
from hacore.vrrp.priority import effective_priority, tracked_interfaces
from hacore.vrrp.receive import address_mismatch, check_advert
from hacore.vrrp.scripts import NOTIFY_TIMEOUT, ScriptState, TrackedScript, run_command
from hacore.vrrp.sequencer import Sequencer
from hacore.vrrp.settings import RouterSettings
from hacore.vrrp.sockets import GarpSocket, VrrpSocket
from hacore.vrrp.sync_groups import wire_sync_groups

LOG_EVERY = 10.0  # seconds between two logs of the same receive error (RFC 9568: rate-limited)


@dataclass(slots=True)
class RouterDriver:
    router: VirtualRouter
    instance: VrrpInstance
    link: VrrpSocket
    garp: GarpSocket
    addresses: AddressManager
    group: ipaddress.IPv4Address
    links: LinkMonitor | None = None
    interfaces: dict[str, tuple[int, bool]] = field(default_factory=dict)  # (weight, reverse)
    scripts: list[tuple[TrackedScript, int, bool]] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)
    _timer: asyncio.TimerHandle | None = None
    _deadline: float | None = None
    _identification: int = 0
    _last_logged: dict[str, float] = field(default_factory=dict)
    _tasks: set[asyncio.Task[int | None]] = field(default_factory=set)
    _master: tuple[ipaddress.IPv4Address, int] | None = None
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

    def received(self, advert: Advertisement, ttl: int, source: ipaddress.IPv4Address,
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
        assert isinstance(source, ipaddress.IPv4Address)  # the IPv4 driver only
        for destination in self._destinations():
            # v3's pseudo-header names the real destination, unicast peer included.
            message = encode(advert, source, destination, not self.instance.v3_checksum_as_v2)
            self._identification = (self._identification + 1) & 0xFFFF
            try:
                self.link.send(encode_ipv4(message, source, destination, self._identification),
                               destination)
            except OSError as error:
                self.report("send", f"({self.instance.name}) cannot send advert to "
                                    f"{destination}: {error}")
                return
        self.counters["adverts_sent"] += 1
        if priority == 0:
            self.counters["priority_zero_sent"] += 1

    def _destinations(self) -> list[ipaddress.IPv4Address]:
        """keepalived's unicast mode sends one advert to each unicast_peer instead of the
        multicast group."""
        peers = [p.address for p in self.instance.unicast_peers
                 if isinstance(p.address, ipaddress.IPv4Address)]
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
        self.garp.announce([vip.interface.ip for vip in self.instance.virtual_addresses
                            if isinstance(vip.interface.ip, ipaddress.IPv4Address)], count)

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
            self._timer = asyncio.get_running_loop().call_at(deadline, self._fire)

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


@dataclass(slots=True)
class InterfaceListener:
    """Reads the interface's VRRP socket and hands each advert to the router of its VRID."""

    link: VrrpSocket
    routers: dict[int, RouterDriver] = field(default_factory=dict)
    unknown_vrid: int = 0

    def readable(self) -> None:
        while (datagram := self.link.receive()) is not None:
            self._dispatch(datagram)

    def _dispatch(self, datagram: bytes) -> None:
        try:
            packet = decode_ipv4(datagram)
        except ParseError:
            return
        payload = packet.payload
        driver = self.routers.get(payload[1]) if len(payload) > 1 else None
        if driver is None:
            self.unknown_vrid += 1
            return
        try:
            advert = decode(payload, packet.source, packet.destination,
                            not driver.instance.v3_checksum_as_v2)
        except ParseError as error:
            driver.counters[f"rejected_{error.reason.value}"] += 1
            driver.report(error.reason.value, f"({driver.instance.name}) packet from "
                                 f"{packet.source} discarded: {error}")
            return
        driver.received(advert, packet.ttl, packet.source, packet.destination.is_multicast)


def refuse_unsupported(instance: VrrpInstance) -> None:
    """What the configuration model reads but this driver cannot do yet is refused by name,
    never run half-way (README "VRRP speaker")."""
    if instance.version == 3 and any(v.interface.version == 6
                                     for v in instance.virtual_addresses):
        raise LookupError(f"({instance.name}) VRRPv3 over IPv6 is not implemented yet")


def interfaces_to_track(instance: VrrpInstance, links: LinkMonitor) -> dict[str, tuple[int, bool]]:
    """tracked_interfaces() less those the kernel does not know: keepalived ignores them
    ("tracked interface X doesn't exist") unless dynamic_interfaces."""
    tracked, messages = tracked_interfaces(instance)
    for message in messages:
        log(message)
    for name in [n for n in tracked if n not in links.up and n != instance.interface]:
        log(f"({instance.name}) tracked interface {name} doesn't exist")
        del tracked[name]
    return tracked


async def build_drivers(config: KeepalivedConfig, addresses: AddressManager, links: LinkMonitor
                        ) -> tuple[list[RouterDriver], list[InterfaceListener]]:
    """One socket pair per interface, one driver per vrrp_instance (IPv4 instances)."""
    group = config.global_defs.mcast_group4
    listeners: dict[str, InterfaceListener] = {}
    garps: dict[str, GarpSocket] = {}
    drivers = []
    scripts = {s.name: s for s in config.scripts}
    for instance in config.instances:
        refuse_unsupported(instance)
        interface = await addresses.interface(instance.interface)
        vips = {v.interface.ip for v in instance.virtual_addresses
                if isinstance(v.interface.ip, ipaddress.IPv4Address)}
        primary = (instance.unicast_src_ip or instance.mcast_src_ip
                   or await addresses.primary_ipv4(instance.interface, vips))
        if not isinstance(primary, ipaddress.IPv4Address):
            raise LookupError(f"({instance.name}) interface {instance.interface} has no IPv4 "
                              "address to send adverts from")
        if instance.interface not in listeners:
            listeners[instance.interface] = InterfaceListener(
                VrrpSocket(instance.interface, interface.index, group))
            garps[instance.interface] = GarpSocket(instance.interface, mac_bytes(interface.mac),
                                                   instance.garp.interval)
        listener = listeners[instance.interface]
        router = VirtualRouter(RouterSettings.from_instance(
            instance, primary, config.global_defs.check_unicast_src))
        driver = RouterDriver(router, instance, listener.link, garps[instance.interface],
                              addresses, group, links,
                              interfaces_to_track(instance, links))
        for tracked in instance.track_scripts:
            script = scripts[tracked.name]
            weight = script.weight if tracked.weight is None else tracked.weight
            runner = TrackedScript(script, driver.tracking_changed)
            driver.scripts.append((runner, weight, tracked.reverse or script.weight_reverse))
        listener.routers[instance.virtual_router_id] = driver
        drivers.append(driver)
    wire_sync_groups(config, drivers)
    return drivers, list(listeners.values())
