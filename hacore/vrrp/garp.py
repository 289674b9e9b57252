"""Gratuitous ARP frames (RFC 5227 §3 "ARP Announcement"; RFC 5798 §6.4.2 asks the new Master
to broadcast one per address). Byte for byte what keepalived 2.2.7 sends: an ARP request from
the interface's MAC with sender and target both the virtual address and target hardware
ff:ff:ff:ff:ff:ff (../shared/vectors/keepalived-2.2.7/garp.pcap).
"""

from __future__ import annotations

import ipaddress
import struct

BROADCAST = b"\xff" * 6
ETH_P_ARP = 0x0806
_ARP_REQUEST = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1)  # Ethernet, IPv4, request


def mac_bytes(mac: str) -> bytes:
    """`02:00:c6:12:00:0c` → 6 bytes; raises ValueError for anything else."""
    parts = mac.split(":")
    if len(parts) != 6 or not all(len(p) == 2 for p in parts):
        raise ValueError(f"MAC address '{mac}' is not six hex bytes")
    return bytes(int(p, 16) for p in parts)


def gratuitous_arp(source_mac: bytes, address: ipaddress.IPv4Address) -> bytes:
    header = BROADCAST + source_mac + struct.pack("!H", ETH_P_ARP)
    return header + _ARP_REQUEST + source_mac + address.packed + BROADCAST + address.packed


class GarpPacer:
    """`vrrp_garp_interval` / `garp_interval` on one interface (keepalived vrrp_arp.c,
    vrrp_scheduler.c, measured by a research helper): at most one gratuitous ARP per
    interval; a request before the interface's next slot only marks the address pending (a
    flag, not a counter: repeats collapse), and pending addresses go one per interval in
    configuration order. Without an interval every repeat goes at once, round by round over
    the addresses. Pure: `now` in, what to send and the next deadline out."""

    __slots__ = ("interval", "next_time", "order", "pending")

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.next_time = 0.0
        self.order: list[ipaddress.IPv4Address] = []  # configuration order, as first seen
        self.pending: set[ipaddress.IPv4Address] = set()

    def request(self, addresses: list[ipaddress.IPv4Address], rounds: int,
                now: float) -> list[ipaddress.IPv4Address]:
        """The addresses to announce now (in order, repeats included)."""
        if not self.interval:
            return [address for _ in range(rounds) for address in addresses]
        self.order.extend(a for a in addresses if a not in self.order)
        out = []
        for _ in range(rounds):
            for address in addresses:
                if now >= self.next_time and not self.pending:
                    out.append(address)
                    self.next_time = now + self.interval
                else:
                    self.pending.add(address)
        return out

    def deadline(self) -> float | None:
        return self.next_time if self.pending else None

    def due(self, now: float) -> list[ipaddress.IPv4Address]:
        """At the deadline: the next pending address."""
        if not self.pending or now < self.next_time:
            return []
        self.next_time = now + self.interval
        address = next(a for a in self.order if a in self.pending)
        self.pending.discard(address)
        return [address]
