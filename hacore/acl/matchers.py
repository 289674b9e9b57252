"""Pattern matching methods (configuration.txt §7.1.3 "-m"), each compiled once at load into
one closure: prefix and suffix tests become one C-level `startswith(tuple)`, exact strings a set
lookup, networks integer masks. `-i` lowers patterns once and each sample at match time.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence

from hacore.acl.fetches import Sample

Matcher = Callable[[Sample], bool]
_OPERATORS = frozenset({"eq", "ge", "gt", "le", "lt"})


def compile_matcher(method: str, patterns: Sequence[str], ignore_case: bool) -> Matcher:
    """Raises ValueError naming a pattern the method cannot use."""
    builder = MATCH_METHODS.get(method)
    if builder is None:
        raise ValueError(f"unknown matching method '{method}'")
    return builder(list(patterns), ignore_case)


def _text(sample: Sample, ignore_case: bool) -> str | None:
    if not isinstance(sample, str):
        return None
    return sample.lower() if ignore_case else sample


def _str(patterns: list[str], ignore_case: bool) -> Matcher:
    wanted = frozenset(p.lower() for p in patterns) if ignore_case else frozenset(patterns)
    return lambda sample: _text(sample, ignore_case) in wanted


def _beg(patterns: list[str], ignore_case: bool) -> Matcher:
    prefixes = tuple(p.lower() for p in patterns) if ignore_case else tuple(patterns)

    def match(sample: Sample) -> bool:
        text = _text(sample, ignore_case)
        return text is not None and text.startswith(prefixes)

    return match


def _end(patterns: list[str], ignore_case: bool) -> Matcher:
    suffixes = tuple(p.lower() for p in patterns) if ignore_case else tuple(patterns)

    def match(sample: Sample) -> bool:
        text = _text(sample, ignore_case)
        return text is not None and text.endswith(suffixes)

    return match


def _sub(patterns: list[str], ignore_case: bool) -> Matcher:
    parts = [p.lower() for p in patterns] if ignore_case else patterns

    def match(sample: Sample) -> bool:
        text = _text(sample, ignore_case)
        return text is not None and any(part in text for part in parts)

    return match


def _reg(patterns: list[str], ignore_case: bool) -> Matcher:
    flags = re.IGNORECASE if ignore_case else 0
    try:
        compiled = [re.compile(p, flags) for p in patterns]
    except re.error as error:
        raise ValueError(f"invalid regex '{error.pattern!s}': {error}") from None
    return lambda sample: isinstance(sample, str) and any(r.search(sample) for r in compiled)


def _delimited(delimiters: str) -> Callable[[list[str], bool], Matcher]:
    """`dir` and `dom`: the pattern must stand between delimiters (or the string's ends);
    delimiters at the pattern's own ends are ignored (HAProxy match_word())."""

    def build(patterns: list[str], ignore_case: bool) -> Matcher:
        words = [p.strip(delimiters) for p in patterns]
        words = [w.lower() for w in words] if ignore_case else words
        expressions = [re.compile(f"(?:^|[{re.escape(delimiters)}]){re.escape(w)}"
                                  f"(?:$|[{re.escape(delimiters)}])") for w in words]

        def match(sample: Sample) -> bool:
            text = _text(sample, ignore_case)
            return text is not None and any(e.search(text) for e in expressions)

        return match

    return build


def _int_tests(patterns: list[str]) -> list[tuple[int, int]]:
    """Inclusive ranges from `80`, `1:1024`, `:1024`, `1024:`, or an operator word then a
    value (`gt 0`)."""
    ranges: list[tuple[int, int]] = []
    operator = None
    for pattern in patterns:
        if pattern in _OPERATORS:
            operator = pattern
            continue
        try:
            ranges.append(_range(operator, pattern))
        except ValueError:
            raise ValueError(f"'{pattern}' is not an integer or an integer range") from None
    return ranges


_LOWEST, _HIGHEST = -(2**63), 2**63


def _range(operator: str | None, pattern: str) -> tuple[int, int]:
    if operator is None and ":" in pattern:
        low, high = pattern.split(":", 1)
        return (int(low) if low else _LOWEST), (int(high) if high else _HIGHEST)
    value = int(pattern)
    return {None: (value, value), "eq": (value, value), "ge": (value, _HIGHEST),
            "gt": (value + 1, _HIGHEST), "le": (_LOWEST, value),
            "lt": (_LOWEST, value - 1)}[operator]


def _in_ranges(value: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= value <= high for low, high in ranges)


def _int(patterns: list[str], ignore_case: bool) -> Matcher:
    ranges = _int_tests(patterns)
    return lambda sample: (isinstance(sample, int) and not isinstance(sample, bool)
                           and _in_ranges(sample, ranges))


def _len(patterns: list[str], ignore_case: bool) -> Matcher:
    ranges = _int_tests(patterns)
    return lambda sample: isinstance(sample, str) and _in_ranges(len(sample), ranges)


def _networks(patterns: list[str]) -> list[tuple[int, int, int]]:
    """(family, network, mask) per pattern; a bare address is a host network."""
    networks: list[tuple[int, int, int]] = []
    for pattern in patterns:
        try:
            network = ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            raise ValueError(f"'{pattern}' is not a valid IPv4 or IPv6 address or network") from None
        networks.append((network.version, int(network.network_address), int(network.netmask)))
    return networks


def _address(sample: Sample) -> tuple[int, int] | None:
    """(family, integer) from an address sample or a header value; v4-mapped v6 is v4."""
    if isinstance(sample, tuple):
        family, value = sample
    elif isinstance(sample, str):
        try:
            address = ipaddress.ip_address(sample)
        except ValueError:
            return None
        family, value = address.version, int(address)
    else:
        return None
    if family == 6 and value >> 32 == 0xFFFF:
        return 4, value & 0xFFFFFFFF
    return family, value


def _ip(patterns: list[str], ignore_case: bool) -> Matcher:
    networks = _networks(patterns)

    def match(sample: Sample) -> bool:
        address = _address(sample)
        if address is None:
            return False
        family, value = address
        return any(f == family and value & mask == net for f, net, mask in networks)

    return match


def _found(patterns: list[str], ignore_case: bool) -> Matcher:
    return lambda sample: True


def _bool(patterns: list[str], ignore_case: bool) -> Matcher:
    return bool


MATCH_METHODS: dict[str, Callable[[list[str], bool], Matcher]] = {
    "str": _str, "beg": _beg, "end": _end, "sub": _sub, "reg": _reg,
    "dir": _delimited("/"), "dom": _delimited("."), "int": _int, "len": _len, "ip": _ip,
    "found": _found, "bool": _bool,
}
