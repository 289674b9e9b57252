"""Hash functions and key extraction, against values computed by hand from HAProxy's
definitions (src/hash.c, backend.c); the recorded sequences check the rest end to end."""

from __future__ import annotations

import zlib

import pytest

from hacore.balance.keys import UriKey, crc32, djb2, full_hash, sdbm, source_key, wt6


def test_sdbm_by_hand() -> None:
    assert sdbm(b"") == 0
    assert sdbm(b"a") == 97
    assert sdbm(b"ab") == (98 + (97 << 6) + (97 << 16) - 97)


def test_djb2_by_hand() -> None:
    assert djb2(b"") == 5381
    assert djb2(b"a") == 5381 * 33 + 97


def test_crc32_is_ieee() -> None:
    assert crc32(b"a") == zlib.crc32(b"a") == 0xE8B7BE43


def test_wt6_of_empty_input_is_its_seeds_xored() -> None:
    assert wt6(b"") == 0xA53C965A ^ 0x5CA6953A


def test_full_hash_stays_32_bits_and_spreads() -> None:
    values = {full_hash(i) for i in range(10_000)}
    assert len(values) == 10_000 and max(values) < 2**32


def test_source_key_ipv4_is_the_address() -> None:
    assert source_key(4, 0x7F000001, avalanche=False) == 0x7F000001
    assert source_key(4, 0x7F000001, avalanche=True) == full_hash(0x7F000001)


def test_source_key_ipv6_xors_the_four_words() -> None:
    address = 0x20010DB8_00000000_00000000_00000001  # 2001:db8::1
    assert source_key(6, address, avalanche=False) == 0x20010DB8 ^ 0 ^ 0 ^ 1


@pytest.mark.parametrize(("options", "target", "hashed"), [
    ({}, b"/api/v1/users?id=42", b"/api/v1/users"),
    ({"whole": True}, b"/api/v1/users?id=42", b"/api/v1/users?id=42"),
    ({"depth": 2}, b"/api/v1/users", b"/api/v1"),
    ({"depth": 2}, b"/api", b"/api"),
    ({"length": 5}, b"/api/v1/users", b"/api/"),
    ({"length": 5}, b"/a?b=cdef", b"/a"),
    ({}, b"http://example.com/a/b", b"http://example.com/a/b"),
    ({"path_only": True}, b"http://example.com/a/b?x", b"/a/b"),
    ({"path_only": True}, b"http://example.com", b"/"),
])
def test_uri_key_cuts_the_target(options: dict[str, object], target: bytes, hashed: bytes) -> None:
    assert UriKey(**options).key(target) == sdbm(hashed)  # type: ignore[arg-type]


def test_uri_key_function_and_avalanche() -> None:
    assert UriKey(function=djb2, avalanche=True).key(b"/x") == full_hash(djb2(b"/x"))
