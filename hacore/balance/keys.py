"""Hash keys for `balance source` and `balance uri`, and HAProxy's hash functions
(src/hash.c, backend.c get_server_sh()/get_server_uh()). All arithmetic is unsigned 32-bit.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

M32 = 0xFFFFFFFF


def sdbm(data: bytes) -> int:
    """hash.c hash_sdbm(): h = c + (h << 6) + (h << 16) - h, from 0."""
    h = 0
    for c in data:
        h = (c + (h << 6) + (h << 16) - h) & M32
    return h


def djb2(data: bytes) -> int:
    """hash.c hash_djb2(): h = h * 33 + c, from 5381."""
    h = 5381
    for c in data:
        h = (h * 33 + c) & M32
    return h


def wt6(data: bytes) -> int:
    """hash.c hash_wt6(): Willy Tarreau's 6-rotation hash."""
    h0, h1, step0, step1 = 0xA53C965A, 0x5CA6953A, 6, 18
    for c in data:
        h0 = ~(h0 ^ c) & M32
        h1 = ~(h1 + c) & M32
        rotated = ((h1 << step0) | (h1 >> (32 - step0))) & M32
        h1 = ((h0 << step1) | (h0 >> (32 - step1))) & M32
        h0 = rotated
        t = ((h0 >> 16) ^ h1) & 0xFFFF
        step0, step1 = t & 0x1F, t >> 11
    return h0 ^ h1


def crc32(data: bytes) -> int:
    """hash.c hash_crc32(): the IEEE CRC-32."""
    return zlib.crc32(data) & M32


def full_hash(a: int) -> int:
    """tools.h full_hash(): Bob Jenkins' 32-bit integer avalanche, then a multiplication by
    3221225473 "to spread values all around the tree"."""
    a = ((a + 0x7ED55D16) + (a << 12)) & M32
    a = ((a ^ 0xC761C23C) ^ (a >> 19)) & M32
    a = ((a + 0x165667B1) + (a << 5)) & M32
    a = ((a + 0xD3A2646C) ^ (a << 9)) & M32
    a = ((a + 0xFD7046C5) + (a << 3)) & M32
    a = ((a ^ 0xB55A4F09) ^ (a >> 16)) & M32
    return (a * 3221225473) & M32


HASH_FUNCTIONS: dict[str, Callable[[bytes], int]] = {
    "sdbm": sdbm, "djb2": djb2, "wt6": wt6, "crc32": crc32,
}


def source_key(family: int, address: int, avalanche: bool) -> int:
    """get_server_sh(): an IPv4 address as a big-endian integer, an IPv6 one as the XOR of
    its four 32-bit words. The hash-type function is not applied (HAProxy's FIXME), only
    `avalanche`."""
    if family == 6:
        key = 0
        for shift in (96, 64, 32, 0):
            key ^= (address >> shift) & M32
    else:
        key = address & M32
    return full_hash(key) if avalanche else key


@dataclass(frozen=True, slots=True)
class UriKey:
    """`balance uri [whole] [len N] [depth N] [path-only]` with the backend's hash-type."""

    whole: bool = False
    length: int = 0  # 0: no limit
    depth: int = 0  # 0: no limit
    path_only: bool = False
    function: Callable[[bytes], int] = sdbm
    avalanche: bool = False

    def key(self, target: bytes) -> int:
        """The hash of the request-target as received (no decoding), cut as configured."""
        if self.path_only and not target.startswith(b"/"):
            target = _strip_authority(target)
        if self.length:
            target = target[: self.length]
        end = len(target)
        if not self.whole:
            mark = target.find(b"?")
            end = end if mark < 0 else mark
        if self.depth:
            end = min(end, _nth_slash(target, self.depth + 1, end))
        hashed = self.function(target[:end])
        return full_hash(hashed) if self.avalanche else hashed


def _strip_authority(target: bytes) -> bytes:
    scheme = target.find(b"://")
    if scheme < 0:
        return target
    slash = target.find(b"/", scheme + 3)
    return b"/" if slash < 0 else target[slash:]


def _nth_slash(target: bytes, n: int, limit: int) -> int:
    """Index of the n-th '/' before `limit`, or `limit`."""
    position = -1
    for _ in range(n):
        position = target.find(b"/", position + 1, limit)
        if position < 0:
            return limit
    return position
