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
