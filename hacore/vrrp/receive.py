"""Receive checks after decoding, in RFC 5798 §7.1 / RFC 3768 §7.1 order, as keepalived 2.2.7
applies them (vrrp.c vrrp_check_packet()): TTL 255 for multicast, our version, (v2) our
authentication, (v2) our advertisement interval. An address list that differs from ours is
only reported, not dropped ("MAY", and keepalived logs and counts it).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from hacore.vrrp.packet import AUTH_PASS, VRRP_TTL, Advertisement, IPAddress, RejectReason
from hacore.vrrp.settings import RouterSettings

_AUTH_NAMES = {0: "0 (none)", 1: "1 (PASS)", 2: "2 (AH)"}


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: RejectReason
    message: str


def check_advert(advert: Advertisement, ttl: int | None, source: IPAddress, multicast: bool,
                 settings: RouterSettings) -> Rejected | None:
    """None when `advert` may go to the state machine. `ttl` is None where the socket does
    not report it. keepalived vrrp_check_packet(): a multicast packet must come with TTL 255;
    a unicast instance checks no TTL unless it checks its sources (`vrrp_check_unicast_src`,
    or a peer's `min_ttl`/`max_ttl`): then the source must be a peer and the TTL in its range."""
    if source == settings.primary_address:
        return Rejected(RejectReason.OWN_PACKET, f"advert from our own address {source}")
    if settings.unicast_peers:
        if settings.check_unicast_src:
            rejected = _check_unicast_source(ttl, source, settings)
            if rejected is not None:
                return rejected
    elif multicast and ttl is not None and ttl != VRRP_TTL:
        return Rejected(RejectReason.TTL, f"invalid TTL/HL. Received {ttl} and expect {VRRP_TTL}")
    if advert.version != settings.version:
        return Rejected(RejectReason.VERSION, f"version is {advert.version}; should be "
                                              f"{settings.version}")
    if advert.version == 2:
        return _check_v2(advert, settings)
    return None


def _check_unicast_source(ttl: int | None, source: IPAddress, settings: RouterSettings
                          ) -> Rejected | None:
    peer = next((p for p in settings.unicast_peers if p[0] == source), None)
    if peer is None:
        return Rejected(RejectReason.UNICAST_SOURCE,
                        f"unicast source address {source} not a unicast peer")
    if ttl is not None and not peer[1] <= ttl <= peer[2]:
        return Rejected(RejectReason.TTL, f"TTL/HL {ttl} not in range {peer[1]} - {peer[2]}")
    return None


def _check_v2(advert: Advertisement, settings: RouterSettings) -> Rejected | None:
    if advert.auth_type != settings.auth_type:
        return Rejected(RejectReason.AUTH_TYPE,
                        f"auth type is {_AUTH_NAMES.get(advert.auth_type, advert.auth_type)}; "
                        f"should be {_AUTH_NAMES.get(settings.auth_type, settings.auth_type)}")
    if settings.auth_type == AUTH_PASS and not hmac.compare_digest(advert.auth_data,
                                                                   settings.auth_data):
        return Rejected(RejectReason.AUTH_DATA, "auth password does not match")
    if advert.interval_cs != settings.advert_int_cs:
        # RFC 3768 §7.1: "MUST discard" a different interval ("to prevent concurrent VRID
        # running", keepalived); VRRPv3 adopts the master's instead.
        return Rejected(RejectReason.INTERVAL, f"advert interval is {advert.interval_cs // 100}s;"
                                               f" should be {settings.advert_int_cs // 100}s")
    return None


def address_mismatch(advert: Advertisement, settings: RouterSettings) -> str | None:
    """keepalived logs, and counts, a master announcing other addresses than ours."""
    if sorted(map(int, advert.addresses)) == sorted(map(int, settings.addresses)):
        return None
    theirs = ", ".join(map(str, advert.addresses)) or "none"
    return (f"({settings.name}) advertisement addresses ({theirs}) differ from ours "
            f"({', '.join(map(str, settings.addresses)) or 'none'})")
