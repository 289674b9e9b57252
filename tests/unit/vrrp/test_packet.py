"""VRRP codec against keepalived 2.2.7's own packets (../shared/vectors/keepalived-2.2.7):
every advertisement decodes to the fields scapy (an independent dissector) sees, and encoding
those fields gives the same bytes, IPv4 header included."""

from __future__ import annotations

import contextlib
import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.vrrp import VRRP, VRRPv3
from scapy.utils import rdpcap

from hacore.vrrp.garp import gratuitous_arp, mac_bytes
from hacore.vrrp.packet import (
    AUTH_PASS,
    Advertisement,
    ParseError,
    RejectReason,
    decode,
    decode_ipv4,
    encode,
    encode_ipv4,
)
from tests.conftest import SHARED

VECTORS = SHARED / "vectors" / "keepalived-2.2.7"
V4 = ipaddress.IPv4Address
GROUP = V4("224.0.0.18")
LB1, LB2, VIP = V4("198.18.0.11"), V4("198.18.0.12"), V4("198.18.0.100")


def vrrp_frames() -> list[tuple[str, int, bytes]]:
    frames = []
    for path in sorted(VECTORS.glob("*.pcap")):
        for index, packet in enumerate(rdpcap(str(path))):
            if IP in packet and packet[IP].proto == 112:
                frames.append((path.name, index, bytes(packet[IP])))
    return frames


FRAMES = vrrp_frames()


def test_vectors_found() -> None:
    assert len(FRAMES) >= 30
    assert {name for name, _, _ in FRAMES} >= {"v2-advert-lb1.pcap", "v2-prio0.pcap",
                                                "v3-adv1-advert-lb1.pcap", "v3-prio0.pcap"}


@pytest.mark.parametrize(("name", "index", "datagram"), FRAMES,
                         ids=[f"{n}#{i}" for n, i, _ in FRAMES])
def test_keepalived_packet_round_trip(name: str, index: int, datagram: bytes) -> None:
    packet = decode_ipv4(datagram)
    advert = decode(packet.payload, packet.source, packet.destination)
    oracle = IP(datagram)
    layer = oracle[VRRP] if advert.version == 2 else oracle[VRRPv3]
    assert (advert.vrid, advert.priority, len(advert.addresses)) == (
        layer.vrid, layer.priority, layer.ipcount)
    assert [str(a) for a in advert.addresses] == layer.addrlist
    if advert.version == 2:
        assert (advert.auth_type, advert.interval_cs) == (layer.authtype, layer.adv * 100)
        assert advert.auth_data == b"secret12"
    else:
        assert advert.interval_cs == layer.adv
    again = encode(advert, packet.source, packet.destination)
    assert encode_ipv4(again, packet.source, packet.destination, packet.identification) == datagram


def test_course_v2_advert_exact_bytes() -> None:
    """The first frame of v2-advert-lb1.pcap, field by field (README table)."""
    advert = Advertisement(2, 51, 101, 100, (VIP,), AUTH_PASS, b"secret12")
    message = encode(advert, LB1, GROUP)
    assert message.hex() == "21336501010144d5c61200647365637265743132"
    assert encode_ipv4(message, LB1, GROUP, 1).hex() == (
        "45c0002800010000ff701475c612000be0000012" + message.hex())


@pytest.mark.parametrize(("interval_cs", "priority", "wire"), [
    (100, 101, "313365010064fc43c6120064"),
    (10, 101, "31336501000afc9dc6120064"),
    (10, 100, "31336401000afd9cc6120064"),
    (100, 0, "3133000100646144c6120064"),
])
def test_v3_exact_bytes(interval_cs: int, priority: int, wire: str) -> None:
    source = LB1 if priority != 100 else LB2
    advert = Advertisement(3, 51, priority, interval_cs, (VIP,))
    assert encode(advert, source, GROUP).hex() == wire


def test_v3_checksum_without_pseudo_header() -> None:
    """RFC 9568 / keepalived's v3_checksum_as_v2: the same message, checksummed alone."""
    advert = Advertisement(3, 51, 101, 100, (VIP,))
    plain = encode(advert, LB1, GROUP, pseudo_header=False)
    assert plain != encode(advert, LB1, GROUP)
    assert decode(plain, LB1, GROUP, pseudo_header=False) == advert
    with pytest.raises(ParseError) as caught:
        decode(plain, LB1, GROUP, pseudo_header=True)
    assert caught.value.reason is RejectReason.CHECKSUM


def test_v3_ipv6_uses_the_pseudo_header_and_scapy_agrees() -> None:
    source, group = ipaddress.IPv6Address("fe80::1"), ipaddress.IPv6Address("ff02::12")
    advert = Advertisement(3, 7, 150, 50, (ipaddress.IPv6Address("2001:db8::100"),))
    message = encode(advert, source, group, pseudo_header=False)
    assert decode(message, source, group) == advert
    oracle = IPv6(bytes(IPv6(src=str(source), dst=str(group), nh=112, hlim=255) / VRRPv3(
        vrid=7, priority=150, adv=50, addrlist=["2001:db8::100"])))
    assert oracle[VRRPv3].chksum == int.from_bytes(message[6:8], "big")


@pytest.mark.parametrize(("data", "reason", "message"), [
    (b"\x21\x33", RejectReason.LENGTH, "packet is 2 bytes; a VRRP header needs 8"),
    (bytes.fromhex("41336501010144d5c61200647365637265743132"), RejectReason.VERSION,
     "version is 4; should be 2 or 3"),
    (bytes.fromhex("22336501010144d5c61200647365637265743132"), RejectReason.TYPE,
     "type is 2; should be 1 (ADVERTISEMENT)"),
    (bytes.fromhex("21336502010144d5c61200647365637265743132"), RejectReason.LENGTH,
     "length is 20; 2 address(es) make 24"),
    (bytes.fromhex("21336501010144d6c61200647365637265743132"), RejectReason.CHECKSUM,
     "checksum 0x44d6 is wrong"),
])
def test_errors_name_field_and_value(data: bytes, reason: RejectReason, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        decode(data, LB1, GROUP)
    assert (caught.value.reason, str(caught.value)) == (reason, message)


def test_carp_is_rejected_cleanly() -> None:
    """BSD CARP also uses protocol 112 and version 2 / type 1: 36 bytes, authlen 7."""
    carp = bytes.fromhex("2133000701010000") + bytes(28)
    with pytest.raises(ParseError) as caught:
        decode(carp, LB1, GROUP)
    assert caught.value.reason is RejectReason.LENGTH


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=80))
def test_random_bytes_only_raise_parse_errors(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        decode(data, LB1, GROUP)
    with contextlib.suppress(ParseError):
        decode_ipv4(data)


@settings(max_examples=200, deadline=None)
@given(version=st.sampled_from([2, 3]), vrid=st.integers(1, 255), priority=st.integers(0, 255),
       seconds=st.integers(1, 40), count=st.integers(0, 20))
def test_encode_decode_round_trip(version: int, vrid: int, priority: int, seconds: int,
                                  count: int) -> None:
    addresses = tuple(V4(0xC6120000 + i) for i in range(count))
    auth = b"pass\0\0\0\0" if version == 2 else bytes(8)
    advert = Advertisement(version, vrid, priority, seconds * 100, addresses,
                           AUTH_PASS if version == 2 else 0, auth)
    assert decode(encode(advert, LB1, GROUP), LB1, GROUP) == advert



def test_gratuitous_arp_is_keepaliveds_frame() -> None:
    frame = bytes(rdpcap(str(VECTORS / "garp.pcap"))[0])
    assert gratuitous_arp(mac_bytes("02:00:c6:12:00:0c"), VIP) == frame
