"""Value parsers shared by both config dialects: durations, integers in ranges, addresses, and
HAProxy's "did you mean" keyword suggestion. Each parser raises ValueError with the message that
the caller prefixes with `file:line` and the keyword.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

# HAProxy time units (configuration.txt §2.5); the default unit is the millisecond.
_TIME_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_TIME_RE = re.compile(r"([0-9]+)(us|ms|s|m|h|d)?(.*)", re.DOTALL)
# HAProxy stores timers as signed 32-bit milliseconds.
MAX_TIMER_MS = 2**31 - 1


def parse_time_ms(text: str) -> int:
    """`5000`, `5000ms`, `5s`, `1m`... as HAProxy's parse_time_err(): an unknown unit is an
    error; junk after a valid unit is tolerated (see `time_trailing_junk`)."""
    match = _TIME_RE.fullmatch(text)
    if match is None or (match.group(2) is None and match.group(3)):
        bad = text.lstrip("0123456789")[:1] or "\\0"
        raise ValueError(f"unexpected character '{bad}'")
    digits, unit, _junk = match.groups()
    # microseconds are rounded up to the next millisecond, as parse_time_err() divides
    value = (-(-int(digits) // 1000) if unit == "us"
             else int(digits) * _TIME_UNITS_MS[unit or "ms"])
    if value > MAX_TIMER_MS:
        raise OverflowError(text)
    return int(value)


def time_trailing_junk(text: str) -> str | None:
    """HAProxy 2.6's warning for `10sec`-like values (accepted as `10s`), or None."""
    match = _TIME_RE.fullmatch(text)
    if match is None or match.group(2) is None or not match.group(3):
        return None
    return (f"unexpected character '{match.group(3)[0]}' after the timer value '{text}', only "
            "(us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are "
            "supported. This will be reported as an error in next versions.")


def time_argument(text: str, keyword: str) -> int:
    """parse_time_ms with HAProxy's messages naming the keyword (`'timeout connect'`)."""
    try:
        return parse_time_ms(text)
    except OverflowError:
        raise ValueError(f"timer overflow in argument '{text}' to '{keyword}' (maximum value "
                         "is 2147483647 ms or ~24.8 days)") from None
    except ValueError as error:
        raise ValueError(f"{error} in '{keyword}'") from None


def is_decimal(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes superscripts and other scripts' digits,
    which int() then refuses or reads as another number."""
    return text.isascii() and text.isdigit()


def parse_int(text: str, low: int, high: int, what: str) -> int:
    """A decimal integer within [low, high]; the message names `what` and the accepted range."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(f"{what} expects an integer argument, got '{text}'")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}, got '{text}'")
    return value


def parse_address_port(text: str) -> tuple[str, int | None, str | None]:
    """`host:port`, `[v6]:port`, `ipv4@h:p`, `ipv6@h:p`, `*:port`, `:port` → (host, port, family).

    The port may be absent (`None`) for servers, which then use the client's destination port.
    """
    family = None
    for prefix in ("ipv4@", "ipv6@"):
        if text.startswith(prefix):
            family, text = prefix[:-1], text[len(prefix) :]
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"missing ']' in address '{text}'")
        host, rest = text[1:end], text[end + 1 :]
        _check_ip(host, 6)
        if rest and not rest.startswith(":"):
            raise ValueError(f"unexpected '{rest}' after address '{host}'")
        port_text = rest[1:] if rest else None
    elif text.count(":") > 1:  # a bare IPv6 address, HAProxy takes the last colon as the port
        host, _, port_text = text.rpartition(":")
        _check_ip(host, 6)
    else:
        host, sep, port_part = text.partition(":")
        port_text = port_part if sep else None
    if host == "*":
        host = ""
    return host, _parse_port(port_text, text), family


def parse_network(text: str, keyword: str) -> str:
    """`<address>[/mask]` (IPv4 or IPv6); ValueError with haproxy's message naming `keyword`."""
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{keyword} expects <address>[/mask] as argument.") from None
    return text


def _parse_port(text: str | None, whole: str) -> int | None:
    if text is None or text == "":
        return None
    if not is_decimal(text) or not 1 <= int(text) <= 65535:
        raise ValueError(f"invalid port '{text}' in '{whole}' (expects 1-65535)")
    return int(text)


def _check_ip(host: str, version: int) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"invalid IPv{version} address '{host}'") from None
    if address.version != version:
        raise ValueError(f"invalid IPv{version} address '{host}'")


def _fingerprint(word: str) -> dict[int, int]:
    """HAProxy's `make_word_fingerprint()`: counts of transitions between character classes
    (0-25 letters, 26 digit, 27 other, 28 begin, 29 end) in a sparse 32x32 matrix."""
    counts: dict[int, int] = {}
    previous = 28
    for char in word.lower():
        current = ord(char) - ord("a") if "a" <= char <= "z" else 26 if char.isdigit() else 27
        counts[previous * 32 + current] = counts.get(previous * 32 + current, 0) + 1
        previous = current
    counts[previous * 32 + 29] = counts.get(previous * 32 + 29, 0) + 1
    return counts


def _distance(first: dict[int, int], second: dict[int, int]) -> int:
    return sum(abs(first.get(k, 0) - second.get(k, 0)) for k in first.keys() | second.keys())


def best_match(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `word` as HAProxy's `cfg_find_best_match()` picks it, or None
    when even the closest differs by more than twice either word's length."""
    signature = _fingerprint(word)
    best, best_distance = None, None
    for candidate in candidates:
        distance = _distance(signature, _fingerprint(candidate))
        if best_distance is None or distance < best_distance:
            best, best_distance = candidate, distance
    if best is None or best_distance is None:
        return None
    if best_distance > 2 * len(word) or best_distance > 2 * len(best):
        return None
    return best
