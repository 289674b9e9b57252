"""Addresses as routing sees them: (family, integer, port), v4-mapped IPv6 read as IPv4."""

from __future__ import annotations

import pytest

from hacore.proxy.views import address_facts


@pytest.mark.parametrize(("peer", "facts"), [
    (("127.0.0.1", 80), (4, 0x7F000001, 80)),
    (("198.18.0.100", 65535), (4, 0xC6120064, 65535)),
    (("::ffff:198.18.0.100", 443, 0, 0), (4, 0xC6120064, 443)),
    (("::1", 8080, 0, 0), (6, 1, 8080)),
    (("fe80::1%veth0", 22, 0, 3), (6, 0xFE800000000000000000000000000001, 22)),
    ("/run/hacore.sock", (4, 0, 0)),  # a unix socket: no address
])
def test_address_facts(peer: object, facts: tuple[int, int, int]) -> None:
    assert address_facts(peer) == facts
