"""Argument parsers for keepalived.conf words; each raises ValueError with a precise message."""

from __future__ import annotations

import ipaddress
import math

from hacore.config.keepalived_model import IPAddress
from hacore.config.values import is_decimal

_TRUE = ("true", "on", "yes")
_FALSE = ("false", "off", "no")


def number(text: str, low: float, high: float, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} '{text}' is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{what} '{text}' is out of range [{low:g}, {high:g}]")
    return value


def integer(text: str, low: int, high: int, what: str) -> int:
    if not is_decimal(text.lstrip("+-")):
        raise ValueError(f"{what} '{text}' is not an integer")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{what} '{text}' is out of range [{low}, {high}]")
    return value


def flag(args: list[str], what: str) -> bool:
    """A keyword that may be followed by an optional boolean, as keepalived's get_value_bool."""
    if not args:
        return True
    word = args[0].lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{what} expects no argument or one of true/false/on/off/yes/no, got '{args[0]}'")


def ip_address(text: str, what: str) -> IPAddress:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"{what} '{text}' is not a valid IP address") from None


def one(keyword: str, args: list[str]) -> str:
    if len(args) != 1:
        raise ValueError(f"'{keyword}' expects exactly one value, got {len(args)}")
    return args[0]
