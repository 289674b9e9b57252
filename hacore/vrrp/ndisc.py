"""Unsolicited Neighbour Advertisements for IPv6 virtual addresses (RFC 4861 §4.4, §7.2.6;
RFC 5798 §6.4.2 asks a new IPv6 Master to send one per address), as keepalived 2.2.7 sends
them (vrrp_ndisc.c, seen by a research helper): to ff02::1 with hop limit 255, from the
address itself, Override set, Solicited never, Router when the node forwards IPv6, and a
target link-layer address option carrying the interface's MAC. The ICMPv6 checksum is the
kernel's (raw ICMPv6 sockets always compute it)."""

from __future__ import annotations

import ipaddress
import struct

ALL_NODES = ipaddress.IPv6Address("ff02::1")
ICMPV6_NEIGHBOR_ADVERTISEMENT = 136
ROUTER, SOLICITED, OVERRIDE = 0x80, 0x40, 0x20
TARGET_LINK_LAYER_ADDRESS = 2


def unsolicited_na(mac: bytes, address: ipaddress.IPv6Address, router: bool) -> bytes:
    flags = OVERRIDE | (ROUTER if router else 0)
    header = struct.pack("!BBHB3x", ICMPV6_NEIGHBOR_ADVERTISEMENT, 0, 0, flags)
    option = struct.pack("!BB", TARGET_LINK_LAYER_ADDRESS, 1) + mac  # length in 8-byte units
    return header + address.packed + option
