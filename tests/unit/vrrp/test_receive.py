"""Receive checks in RFC 5798 §7.1 order, each failure a distinct reason naming the value."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import pytest

from hacore.vrrp.packet import AUTH_NONE, AUTH_PASS, Advertisement, RejectReason
from hacore.vrrp.receive import address_mismatch, check_advert
from tests.unit.vrrp.helpers import VIP, settings

PEER = ipaddress.IPv4Address("198.18.0.11")
OURS = settings()


def advert(**changes: object) -> Advertisement:
    fields: dict[str, object] = {"version": 2, "vrid": 51, "priority": 101, "interval_cs": 100,
                                 "addresses": (VIP,), "auth_type": AUTH_PASS,
                                 "auth_data": b"secret12"}
    fields.update(changes)
    return Advertisement(**fields)  # type: ignore[arg-type]


def test_a_good_advert_passes() -> None:
    assert check_advert(advert(), 255, PEER, True, OURS) is None


@pytest.mark.parametrize(("packet", "ttl", "source", "reason", "message"), [
    (advert(), 64, PEER, RejectReason.TTL, "invalid TTL/HL. Received 64 and expect 255"),
    (advert(version=3), 255, PEER, RejectReason.VERSION, "version is 3; should be 2"),
    (advert(auth_type=AUTH_NONE), 255, PEER, RejectReason.AUTH_TYPE,
     "auth type is 0 (none); should be 1 (PASS)"),
    (advert(auth_data=b"secret13"), 255, PEER, RejectReason.AUTH_DATA,
     "auth password does not match"),
    (advert(interval_cs=200), 255, PEER, RejectReason.INTERVAL,
     "advert interval is 2s; should be 1s"),
    (advert(), 255, OURS.primary_address, RejectReason.OWN_PACKET,
     "advert from our own address 198.18.0.12"),
    (advert(version=3, interval_cs=200), 64, PEER, RejectReason.TTL,
     "invalid TTL/HL. Received 64 and expect 255"),
])
def test_rejections(packet: Advertisement, ttl: int, source: ipaddress.IPv4Address,
                    reason: RejectReason, message: str) -> None:
    rejected = check_advert(packet, ttl, source, True, OURS)
    assert rejected is not None and (rejected.reason, rejected.message) == (reason, message)


def test_unicast_skips_the_ttl_check() -> None:
    assert check_advert(advert(), 63, PEER, False, OURS) is None


def test_address_list_mismatch_is_reported_not_dropped() -> None:
    other = advert(addresses=(ipaddress.IPv4Address("198.18.0.200"),))
    assert check_advert(other, 255, PEER, True, OURS) is None
    assert address_mismatch(other, OURS) == (
        "(VI_1) advertisement addresses (198.18.0.200) differ from ours (198.18.0.100)")
    assert address_mismatch(advert(), OURS) is None


@pytest.mark.parametrize(("ttl", "source", "expected"), [
    (64, PEER, None),  # unicast: no TTL check by default
])
def test_unicast_peers_without_source_check(ttl: int, source: ipaddress.IPv4Address,
                                            expected: None) -> None:
    unicast = replace(OURS, unicast_peers=((PEER, 0, 255),))
    assert check_advert(advert(), ttl, source, False, unicast) is expected


@pytest.mark.parametrize(("ttl", "source", "message"), [
    (250, PEER, None),
    (64, PEER, "TTL/HL 64 not in range 250 - 255"),
    (255, ipaddress.IPv4Address("198.18.0.99"),
     "unicast source address 198.18.0.99 not a unicast peer"),
])
def test_min_ttl_checks_the_source_and_its_ttl(ttl: int, source: ipaddress.IPv4Address,
                                               message: str | None) -> None:
    """keepalived vrrp_check_packet() with `unicast_peer { 198.18.0.11 min_ttl 250 }`."""
    unicast = replace(OURS, unicast_peers=((PEER, 250, 255),), check_unicast_src=True)
    rejected = check_advert(advert(), ttl, source, False, unicast)
    assert (rejected.message if rejected else None) == message
