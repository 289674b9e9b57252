"""One `virtual_ipaddress` entry (keepalived.conf(5) "virtual_ipaddress"):
`<ip>[/<prefix>] [brd <ip>] [dev <ifname>] [scope <scope>] [label <label>] [no_track]`.

Without a prefix an address is a host address (/32 or /128), as keepalived installs it.
"""

from __future__ import annotations

import ipaddress

from hacore.config.errors import Location
from hacore.config.keepalived_model import VirtualAddress
from hacore.config.keepalived_values import ip_address
from hacore.config.values import is_decimal

SCOPES = ("site", "link", "host", "nowhere", "global")
_OPTIONS_WITH_VALUE = ("brd", "dev", "scope", "label")
UNSUPPORTED_OPTIONS = ("peer", "home", "-nodad", "nodad", "noprefixroute", "autojoin",
                       "track_group", "preferred_lft")


def parse_virtual_address(location: Location, words: list[str]) -> VirtualAddress:
    """Raises ValueError naming the bad word."""
    text = words[0]
    try:
        interface = ipaddress.ip_interface(text)
    except ValueError:
        raise ValueError(f"virtual_ipaddress '{text}' is not a valid address[/prefix]") from None
    if "/" in text and not is_decimal(text.rsplit("/", 1)[1]):
        raise ValueError(f"virtual_ipaddress '{text}': the prefix must be a length")
    options: dict[str, str] = {}
    rest = words[1:]
    no_track = False
    while rest:
        option = rest[0]
        if option == "no_track":
            no_track, rest = True, rest[1:]
            continue
        if option in UNSUPPORTED_OPTIONS:
            raise ValueError(f"virtual_ipaddress option '{option}' is not supported by hacore")
        if option not in _OPTIONS_WITH_VALUE:
            raise ValueError(f"virtual_ipaddress '{text}': unknown option '{option}' "
                             f"(expects brd, dev, scope, label or no_track)")
        if len(rest) < 2:
            raise ValueError(f"virtual_ipaddress '{text}': '{option}' expects a value")
        options[option], rest = rest[1], rest[2:]
    scope = options.get("scope")
    if scope is not None and scope not in SCOPES and not is_decimal(scope):
        raise ValueError(f"virtual_ipaddress '{text}': unknown scope '{scope}'")
    broadcast = None
    if "brd" in options:
        broadcast = ip_address(options["brd"], "brd")
    return VirtualAddress(location, interface, broadcast, options.get("dev"), scope,
                          options.get("label"), no_track)
