"""Drivers from a keepalived configuration: one socket set per interface and address family,
one RouterDriver per vrrp_instance, sync groups wired over them. An instance is IPv6 when its
virtual addresses are (keepalived: the first family-bearing item decides; IPv6 means VRRPv3);
its adverts then leave from the interface's link-local address to ff02::12, and its
addresses are announced with unsolicited neighbour advertisements."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from hacore.config.keepalived_model import KeepalivedConfig, VrrpInstance
from hacore.vrrp.addresses import AddressManager, Interface
from hacore.vrrp.driver import RouterDriver
from hacore.vrrp.garp import mac_bytes
from hacore.vrrp.journal import log
from hacore.vrrp.links import LinkMonitor
from hacore.vrrp.machine import VirtualRouter
from hacore.vrrp.packet import IPAddress, ParseError, decode, decode_ipv4
from hacore.vrrp.priority import tracked_interfaces
from hacore.vrrp.scripts import TrackedScript
from hacore.vrrp.settings import RouterSettings
from hacore.vrrp.sockets import GarpSocket, VrrpSocket
from hacore.vrrp.sockets6 import NeighbourAdvertiser, VrrpSocket6
from hacore.vrrp.sync_groups import wire_sync_groups


@dataclass(slots=True)
class InterfaceListener:
    """Reads an interface's VRRP socket and hands each advert to the router of its VRID."""

    link: VrrpSocket | VrrpSocket6
    routers: dict[int, RouterDriver] = field(default_factory=dict)
    unknown_vrid: int = 0

    def readable(self) -> None:
        if isinstance(self.link, VrrpSocket6):
            while (received := self.link.receive()) is not None:
                self._deliver(*received)
            return
        while (datagram := self.link.receive()) is not None:
            try:
                packet = decode_ipv4(datagram)
            except ParseError:
                continue
            self._deliver(packet.payload, packet.source, packet.destination, packet.ttl)

    def _deliver(self, payload: bytes, source: IPAddress, destination: IPAddress,
                 ttl: int | None) -> None:
        driver = self.routers.get(payload[1]) if len(payload) > 1 else None
        if driver is None:
            self.unknown_vrid += 1
            return
        try:
            advert = decode(payload, source, destination, not driver.instance.v3_checksum_as_v2)
        except ParseError as error:
            driver.counters[f"rejected_{error.reason.value}"] += 1
            driver.report(error.reason.value, f"({driver.instance.name}) packet from "
                                 f"{source} discarded: {error}")
            return
        driver.received(advert, ttl, source, destination.is_multicast)


def family(instance: VrrpInstance) -> int:
    return 6 if any(v.interface.version == 6 for v in instance.virtual_addresses) else 4


def refuse_unsupported(instance: VrrpInstance) -> None:
    """What the configuration model reads but this driver cannot do is refused by name,
    never run half-way (README "VRRP speaker")."""
    if family(instance) == 6 and instance.version == 2:
        raise LookupError(f"({instance.name}) VRRPv2 is IPv4 only (RFC 3768): IPv6 virtual "
                          "addresses need version 3")
    if len({v.interface.version for v in instance.virtual_addresses}) > 1:
        raise LookupError(f"({instance.name}) virtual_ipaddress mixes IPv4 and IPv6; keepalived "
                          "ignores the addresses of the other family")


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


async def _primary(instance: VrrpInstance, addresses: AddressManager) -> IPAddress:
    """The advert source: unicast_src_ip / mcast_src_ip, else the interface's first IPv4
    address that is not a VIP, or its IPv6 link-local address."""
    source = instance.unicast_src_ip or instance.mcast_src_ip
    if source is not None:
        return source
    if family(instance) == 6:
        primary6 = await addresses.link_local(instance.interface)
        if primary6 is None:
            raise LookupError(f"({instance.name}) interface {instance.interface} has no IPv6 "
                              "link-local address to send adverts from")
        return primary6
    vips = {v.interface.ip for v in instance.virtual_addresses
            if isinstance(v.interface.ip, ipaddress.IPv4Address)}
    primary = await addresses.primary_ipv4(instance.interface, vips)
    if primary is None:
        raise LookupError(f"({instance.name}) interface {instance.interface} has no IPv4 "
                          "address to send adverts from")
    return primary


def _forwarding6(interface: str) -> bool:
    """The Router flag of our neighbour advertisements (keepalived reads the same sysctl)."""
    path = Path(f"/proc/sys/net/ipv6/conf/{interface}/forwarding")
    return path.exists() and path.read_text().strip() == "1"


def _sockets(instance: VrrpInstance, interface: Interface, config: KeepalivedConfig
             ) -> tuple[VrrpSocket | VrrpSocket6, GarpSocket | NeighbourAdvertiser]:
    mac = mac_bytes(interface.mac)
    if family(instance) == 6:
        return (VrrpSocket6(instance.interface, interface.index, config.global_defs.mcast_group6),
                NeighbourAdvertiser(instance.interface, interface.index, mac,
                                    _forwarding6(instance.interface)))
    return (VrrpSocket(instance.interface, interface.index, config.global_defs.mcast_group4),
            GarpSocket(instance.interface, mac, instance.garp.interval))


def _group(instance: VrrpInstance, config: KeepalivedConfig) -> IPAddress:
    globals_ = config.global_defs
    return globals_.mcast_group6 if family(instance) == 6 else globals_.mcast_group4


async def build_drivers(config: KeepalivedConfig, addresses: AddressManager, links: LinkMonitor
                        ) -> tuple[list[RouterDriver], list[InterfaceListener]]:
    listeners: dict[tuple[str, int], InterfaceListener] = {}
    announcers: dict[tuple[str, int], GarpSocket | NeighbourAdvertiser] = {}
    drivers = []
    scripts = {s.name: s for s in config.scripts}
    for instance in config.instances:
        refuse_unsupported(instance)
        interface = await addresses.interface(instance.interface)
        primary = await _primary(instance, addresses)
        key = (instance.interface, family(instance))
        if key not in listeners:
            link, announcer = _sockets(instance, interface, config)
            listeners[key], announcers[key] = InterfaceListener(link), announcer
        listener = listeners[key]
        router = VirtualRouter(RouterSettings.from_instance(
            instance, primary, config.global_defs.check_unicast_src))
        driver = RouterDriver(router, instance, listener.link, announcers[key], addresses,
                              _group(instance, config), links,
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
