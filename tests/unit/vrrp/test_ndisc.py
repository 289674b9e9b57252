"""The unsolicited NA bytes, read back by scapy (an independent parser)."""

from __future__ import annotations

import ipaddress

from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6NDOptDstLLAddr

from hacore.vrrp.ndisc import unsolicited_na

MAC = bytes.fromhex("0200c612000b")
VIP6 = ipaddress.IPv6Address("2001:db8::100")


def test_unsolicited_na_as_scapy_reads_it() -> None:
    wire = unsolicited_na(MAC, VIP6, router=False)
    na = ICMPv6ND_NA(wire)
    assert (na.type, na.code, na.R, na.S, na.O, na.tgt) == (136, 0, 0, 0, 1, str(VIP6))
    option = na[ICMPv6NDOptDstLLAddr]
    assert (option.type, option.len, option.lladdr) == (2, 1, "02:00:c6:12:00:0b")
    assert len(wire) == 32


def test_router_flag_when_forwarding() -> None:
    assert ICMPv6ND_NA(unsolicited_na(MAC, VIP6, router=True)).R == 1
