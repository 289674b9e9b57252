"""VRRP advertisements to and from bytes: VRRPv2 (RFC 3768 §5) and VRRPv3 (RFC 5798 §5,
RFC 9568), plus the IPv4 header keepalived builds itself (TOS 0xc0, TTL 255, DF clear).

Checksums: v2 over the VRRP message only (RFC 3768 §5.3.8); v3 over an IPv4 or IPv6
pseudo-header plus the message (RFC 5798 §5.2.8) — for IPv4 that is keepalived's default,
while RFC 9568 and keepalived's `v3_checksum_as_v2` leave the pseudo-header out.
Every decoding error is a ParseError naming the field, the value and what it should be.
"""

from __future__ import annotations

import enum
import ipaddress
import struct
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

IPPROTO_VRRP = 112
ADVERTISEMENT = 1  # RFC 3768 §5.3.2: the only type defined
AUTH_NONE, AUTH_PASS, AUTH_AH = 0, 1, 2
AUTH_DATA_LENGTH = 8  # RFC 3768 §5.3.10 / RFC 2338 §5.3.8
VRRP_TOS = 0xC0  # DSCP CS6 "network control", as keepalived sends
VRRP_TTL = 255  # RFC 3768 §5.2.3 / RFC 5798 §5.1.1.3: MUST be 255
_HEADER = struct.Struct("!BBBBBBH")
_IPV4 = struct.Struct("!BBHHHBBH4s4s")


class RejectReason(enum.Enum):
    """Why a received packet was discarded; each one is counted (RFC 5798 §7.1)."""

    TTL = "ttl"
    VERSION = "version"
    TYPE = "type"
    LENGTH = "length"
    CHECKSUM = "checksum"
    VRID = "vrid"
    AUTH_TYPE = "auth_type"
    AUTH_DATA = "auth_data"
    INTERVAL = "interval"
    ADDRESS_FAMILY = "address_family"
    OWN_PACKET = "own_packet"
    UNICAST_SOURCE = "unicast_source"


class ParseError(ValueError):
    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Advertisement:
    """One VRRP advertisement. `interval_cs` is in centiseconds for both versions (v2 puts
    whole seconds on the wire)."""

    version: int
    vrid: int
    priority: int
    interval_cs: int
    addresses: tuple[IPAddress, ...]
    auth_type: int = AUTH_NONE
    auth_data: bytes = bytes(AUTH_DATA_LENGTH)


def internet_checksum(data: bytes) -> int:
    """RFC 1071 one's-complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _pseudo_header(source: IPAddress, destination: IPAddress, length: int) -> bytes:
    if source.version == 4:
        return source.packed + destination.packed + struct.pack("!BBH", 0, IPPROTO_VRRP, length)
    return source.packed + destination.packed + struct.pack("!I3xB", length, IPPROTO_VRRP)


def encode(advert: Advertisement, source: IPAddress, destination: IPAddress,
           pseudo_header: bool = True) -> bytes:
    """The VRRP message; `pseudo_header` matters only for VRRPv3 over IPv4 (IPv6 always
    includes it, VRRPv2 never)."""
    if advert.version == 2:
        second = advert.interval_cs // 100
        header = _HEADER.pack(0x21, advert.vrid, advert.priority, len(advert.addresses),
                              advert.auth_type, second, 0)
        trailer = advert.auth_data.ljust(AUTH_DATA_LENGTH, b"\0")[:AUTH_DATA_LENGTH]
    else:
        interval = advert.interval_cs & 0x0FFF
        header = _HEADER.pack(0x31, advert.vrid, advert.priority, len(advert.addresses),
                              interval >> 8, interval & 0xFF, 0)
        trailer = b""
    body = header + b"".join(a.packed for a in advert.addresses) + trailer
    checksum = internet_checksum(_checksummed(advert.version, body, source, destination,
                                              pseudo_header))
    return body[:6] + struct.pack("!H", checksum) + body[8:]


def _checksummed(version: int, body: bytes, source: IPAddress, destination: IPAddress,
                 pseudo_header: bool) -> bytes:
    if version == 3 and (source.version == 6 or pseudo_header):
        return _pseudo_header(source, destination, len(body)) + body
    return body


def decode(data: bytes, source: IPAddress, destination: IPAddress,
           pseudo_header: bool = True) -> Advertisement:
    """Check, in RFC 5798 §7.1 order, that `data` is one complete, intact advertisement."""
    if len(data) < _HEADER.size:
        raise ParseError(RejectReason.LENGTH, f"packet is {len(data)} bytes; a VRRP header "
                                              f"needs {_HEADER.size}")
    first, vrid, priority, count, fifth, sixth, _ = _HEADER.unpack_from(data)
    version, kind = first >> 4, first & 0x0F
    if version not in (2, 3):
        raise ParseError(RejectReason.VERSION, f"version is {version}; should be 2 or 3")
    if kind != ADVERTISEMENT:
        raise ParseError(RejectReason.TYPE, f"type is {kind}; should be 1 (ADVERTISEMENT)")
    if version == 2 and source.version == 6:
        raise ParseError(RejectReason.ADDRESS_FAMILY, "VRRPv2 over IPv6; VRRPv2 is IPv4 only")
    size = 4 if source.version == 4 else 16
    expected = _HEADER.size + count * size + (AUTH_DATA_LENGTH if version == 2 else 0)
    if len(data) != expected:
        raise ParseError(RejectReason.LENGTH, f"length is {len(data)}; {count} address(es) "
                                              f"make {expected}")
    if internet_checksum(_checksummed(version, data, source, destination, pseudo_header)):
        carried = struct.unpack_from("!H", data, 6)[0]
        raise ParseError(RejectReason.CHECKSUM, f"checksum 0x{carried:04x} is wrong")
    end = _HEADER.size + count * size
    addresses = tuple(ipaddress.ip_address(data[i : i + size])
                      for i in range(_HEADER.size, end, size))
    if version == 2:
        return Advertisement(2, vrid, priority, sixth * 100, addresses, fifth, data[end:])
    return Advertisement(3, vrid, priority, ((fifth & 0x0F) << 8) | sixth, addresses)


@dataclass(frozen=True, slots=True)
class IPv4Packet:
    source: ipaddress.IPv4Address
    destination: ipaddress.IPv4Address
    ttl: int
    protocol: int
    identification: int
    payload: bytes


def encode_ipv4(payload: bytes, source: ipaddress.IPv4Address,
                destination: ipaddress.IPv4Address, identification: int) -> bytes:
    """The IPv4 header keepalived writes: no options, TOS 0xc0, DF clear, TTL 255."""
    total = 20 + len(payload)
    header = _IPV4.pack(0x45, VRRP_TOS, total, identification & 0xFFFF, 0, VRRP_TTL,
                        IPPROTO_VRRP, 0, source.packed, destination.packed)
    checksum = internet_checksum(header)
    return header[:10] + struct.pack("!H", checksum) + header[12:] + payload


def decode_ipv4(datagram: bytes) -> IPv4Packet:
    """An IPv4 datagram as a raw socket delivers it; the payload ends at the total length,
    so Ethernet padding never reaches the VRRP decoder."""
    if len(datagram) < 20:
        raise ParseError(RejectReason.LENGTH, f"IPv4 packet is {len(datagram)} bytes; its "
                                              "header needs 20")
    first, _, total, ident, _, ttl, protocol, _, src, dst = _IPV4.unpack_from(datagram)
    header_length = (first & 0x0F) * 4
    if first >> 4 != 4 or header_length < 20 or not header_length <= total <= len(datagram):
        raise ParseError(RejectReason.LENGTH, f"IPv4 header or total length ({total}) does "
                                              f"not fit the {len(datagram)} bytes received")
    return IPv4Packet(ipaddress.IPv4Address(src), ipaddress.IPv4Address(dst), ttl, protocol,
                      ident, datagram[header_length:total])
