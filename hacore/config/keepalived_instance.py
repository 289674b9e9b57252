"""`vrrp_instance NAME { ... }` keywords → VrrpInstance (keepalived.conf(5) "VRRP instance(s)").

Checks that need the whole instance (the version decides what advert_int may be) happen in
`finish_instance()`, after every keyword of the block has been read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hacore.config.errors import Diagnostics, Location
from hacore.config.keepalived_lexer import Statement
from hacore.config.keepalived_model import (
    GlobalDefs,
    InitialState,
    Notify,
    Tracked,
    UnicastPeer,
    VirtualAddress,
)
from hacore.config.keepalived_values import flag, integer, ip_address, number, one
from hacore.config.keepalived_vips import parse_virtual_address

InstanceFields = dict[str, Any]
Handler = Callable[[InstanceFields, Statement, Diagnostics], None]

# keepalived sends at most 8 bytes of `auth_pass` (vrrp.h VRRP_AUTH_LEN, RFC 2338 §5.3.8).
AUTH_PASS_LENGTH = 8
NOTIFY_KEYWORDS = {
    "notify_master": "master", "notify_backup": "backup", "notify_fault": "fault",
    "notify_stop": "stop", "notify": "any_state",
    "notify_master_rx_lower_pri": "master_rx_lower_pri",
}
GARP_KEYWORDS = {
    "garp_master_delay": ("master_delay", 0, 86400, float),
    "garp_master_repeat": ("master_repeat", 1, 1000, int),
    "garp_master_refresh": ("master_refresh", 0, 86400, float),
    "garp_master_refresh_repeat": ("master_refresh_repeat", 1, 1000, int),
    "garp_interval": ("interval", 0, 1, float),
    "garp_lower_prio_delay": ("lower_prio_delay", 0, 86400, float),
    "garp_lower_prio_repeat": ("lower_prio_repeat", 0, 1000, int),
}


def _args(statement: Statement) -> list[str]:
    return statement.words[1:]


def _value(field: str, convert: Callable[[str], Any]) -> Handler:
    def handler(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
        f[field] = convert(one(s.words[0], _args(s)))

    return handler


def _flag(field: str, value: bool = True) -> Handler:
    def handler(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
        f[field] = flag(_args(s), s.words[0]) == value

    return handler


def _state(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
    word = one("state", _args(s))
    if word not in ("MASTER", "BACKUP"):
        raise ValueError(f"unknown state '{word}', expects MASTER or BACKUP")
    f["state"] = InitialState(word)


def _block_items(s: Statement) -> list[Statement]:
    """A block keyword written without its `{ }` (keepalived: "Block unicast_peer has extra
    parameters ..." or "Missing '{'", and the block is then ignored): refused by name."""
    if s.block is None:
        given = f", got '{' '.join(s.words[1:])}'" if len(s.words) > 1 else ""
        raise ValueError(f"'{s.words[0]}' expects a {{ }} block{given}")
    return s.block


def _advert_int(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
    f["_advert_int"] = (number(one("advert_int", _args(s)), 0.01, 255, "advert_int"), s.location)


def _authentication(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
    for item in _block_items(s):
        keyword, args = item.words[0], item.words[1:]
        try:
            if keyword == "auth_type":
                auth_type = one(keyword, args)
                if auth_type not in ("PASS", "AH"):
                    raise ValueError(f"unknown auth_type '{auth_type}', expects PASS or AH")
                f["auth_type"] = auth_type
            elif keyword == "auth_pass":
                f["auth_pass"] = _auth_pass(one(keyword, args), item.location, out)
            else:
                raise ValueError(f"unknown keyword '{keyword}' in 'authentication' block")
        except ValueError as error:
            out.alert(item.location, str(error))


def _auth_pass(password: str, location: Location, out: Diagnostics) -> bytes:
    raw = password.encode()
    if len(raw) > AUTH_PASS_LENGTH:
        sent = raw[:AUTH_PASS_LENGTH].decode(errors="replace")
        out.warn(location, f"Truncating auth_pass to {AUTH_PASS_LENGTH} characters: '{sent}' "
                           "goes on the wire, as keepalived sends it")
    return raw[:AUTH_PASS_LENGTH]


def _vips(field: str) -> Handler:
    def handler(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
        addresses: list[VirtualAddress] = list(f.get(field, ()))
        for item in _block_items(s):
            try:
                addresses.append(parse_virtual_address(item.location, item.words))
            except ValueError as error:
                out.alert(item.location, str(error))
        f[field] = tuple(addresses)

    return handler


def parse_tracked(item: Statement) -> Tracked:
    """`<name> [weight <-253..253> [reverse]]` in a track_script / track_interface block."""
    name, rest = item.words[0], item.words[1:]
    weight, reverse = None, False
    if rest[:1] == ["weight"] and len(rest) >= 2:
        weight = integer(rest[1], -253, 253, "weight")
        reverse = rest[2:] == ["reverse"]
        rest = rest[3:] if reverse else rest[2:]
    if rest:
        raise ValueError(f"unexpected '{' '.join(rest)}' after '{name}', expects weight <n> [reverse]")
    return Tracked(item.location, name, weight, reverse)


def _tracked(field: str) -> Handler:
    def handler(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
        entries: list[Tracked] = list(f.get(field, ()))
        for item in _block_items(s):
            try:
                entries.append(parse_tracked(item))
            except ValueError as error:
                out.alert(item.location, str(error))
        f[field] = tuple(entries)

    return handler


def _unicast_peer(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
    peers: list[UnicastPeer] = list(f.get("unicast_peers", ()))
    for item in _block_items(s):
        try:
            peers.append(_peer(item))
        except ValueError as error:
            out.alert(item.location, str(error))
    f["unicast_peers"] = tuple(peers)


def _peer(item: Statement) -> UnicastPeer:
    address = ip_address(item.words[0], "unicast_peer")
    ttls: dict[str, int] = {}
    rest = item.words[1:]
    while rest:
        if rest[0] not in ("min_ttl", "max_ttl") or len(rest) < 2:
            raise ValueError(f"unicast_peer: unexpected '{rest[0]}', expects min_ttl/max_ttl <n>")
        ttls[rest[0]] = integer(rest[1], 0, 255, rest[0])
        rest = rest[2:]
    return UnicastPeer(item.location, address, ttls.get("min_ttl"), ttls.get("max_ttl"))


def notify_command(statement: Statement, out: Diagnostics) -> str:
    """`notify_X SCRIPT [user [group]]`: the (quoted) first word is the whole command line;
    further words name a user and group, as in keepalived, not arguments."""
    args = _args(statement)
    if not args:
        raise ValueError(f"'{statement.words[0]}' expects a script")
    if len(args) > 1:
        out.warn(statement.location, f"'{statement.words[0]}': '{' '.join(args[1:])}' is read "
                 "as user/group, as keepalived does, and hacore runs every script as "
                 "script_user; quote the command to pass arguments")
    return args[0]


def _notify(field: str) -> Handler:
    def handler(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
        f.setdefault("_notify", {})[field] = notify_command(s, out)

    return handler


def _garp(field: str, low: float, high: float, kind: type) -> Handler:
    def handler(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
        text = one(s.words[0], _args(s))
        value = integer(text, int(low), int(high), s.words[0]) if kind is int else number(
            text, low, high, s.words[0])
        f.setdefault("_garp", {})[field] = value

    return handler


def _ignored(why: str) -> Handler:
    def handler(f: InstanceFields, s: Statement, out: Diagnostics) -> None:
        out.warn(s.location, f"'{s.words[0]}' is accepted and ignored: {why}")

    return handler


INSTANCE_KEYWORDS: dict[str, Handler] = {
    "state": _state,
    "interface": _value("interface", str),
    "virtual_router_id": _value("virtual_router_id", lambda t: integer(t, 1, 255, "virtual_router_id")),
    "priority": _value("priority", lambda t: integer(t, 1, 255, "priority")),
    "advert_int": _advert_int,
    "version": _value("version", lambda t: integer(t, 2, 3, "version")),
    "nopreempt": _flag("preempt", value=False),
    "preempt": _flag("preempt"),
    "preempt_delay": _value("preempt_delay", lambda t: number(t, 0, 1000, "preempt_delay")),
    "authentication": _authentication,
    "virtual_ipaddress": _vips("virtual_addresses"),
    "virtual_ipaddress_excluded": _vips("excluded_addresses"),
    "track_script": _tracked("track_scripts"),
    "track_interface": _tracked("track_interfaces"),
    "dont_track_primary": _flag("dont_track_primary"),
    "unicast_src_ip": _value("unicast_src_ip", lambda t: ip_address(t, "unicast_src_ip")),
    "unicast_peer": _unicast_peer,
    "mcast_src_ip": _value("mcast_src_ip", lambda t: ip_address(t, "mcast_src_ip")),
    "down_timer_adverts": _value("down_timer_adverts", lambda t: integer(t, 1, 100, "down_timer_adverts")),
    "lower_prio_no_advert": _flag("lower_prio_no_advert"),
    "v3_checksum_as_v2": _flag("v3_checksum_as_v2"),
    "accept": _flag("accept"),
    "no_accept": _flag("accept", value=False),
    "smtp_alert": _flag("smtp_alert"),
    "debug": _ignored("hacore's log level is set on its command line"),
    **{keyword: _notify(field) for keyword, field in NOTIFY_KEYWORDS.items()},
    **{keyword: _garp(*spec) for keyword, spec in GARP_KEYWORDS.items()},
}
INSTANCE_UNSUPPORTED = frozenset(
        "use_vmac vmac_xmit_base native_ipv6 virtual_routes virtual_rules track_file "
        "track_process track_bfd track_src_ip strict_mode skip_check_adv_addr kernel_rx_buf_size "
        "unicast_fault_no_peer unicast_ttl check_unicast_src mcast_dst_ip old_unicast_checksum "
        "notify_deleted linkbeat_use_polling".split()
)


def finish_instance(f: InstanceFields, location: Location, defaults: GlobalDefs,
                    out: Diagnostics) -> None:
    """Whole-instance rules, applied once every keyword of the block has been read."""
    name = f.pop("_name")
    for required in ("interface", "virtual_router_id"):
        if required not in f:
            raise ValueError(f"'{required}' is required in a vrrp_instance")
    addresses = f.get("virtual_addresses", ())
    if not addresses:
        out.warn(location, f"({name}) No VIP specified; at least one is sensible")
    elif any(v.interface.version != addresses[0].interface.version for v in addresses):
        raise ValueError("address family must match VRRP instance: put addresses of the other "
                         "family in virtual_ipaddress_excluded")
    has_v6 = bool(addresses) and addresses[0].interface.version == 6
    version = f.setdefault("version", 3 if has_v6 else defaults.vrrp_version)
    f["advert_int"] = _advert_centiseconds(name, version, f.pop("_advert_int", None), out)
    _priority_rules(name, f, location, out)
    if version == 3 and "auth_type" in f:
        out.warn(location, f"({name}) VRRP version 3 does not support authentication. Ignoring.")
        f.pop("auth_type")
        f.pop("auth_pass", None)
    elif "auth_type" in f and not f.get("auth_pass"):
        out.warn(location, f"({name}) Authentication specified but no password given. Ignoring")
        f.pop("auth_type")
    if "unicast_src_ip" in f and not f.get("unicast_peers"):
        out.warn(location, f"({name}) A unicast keyword has been specified without any unicast "
                           "peers. Defaulting to multicast.")
    f.setdefault("down_timer_adverts", defaults.down_timer_adverts)
    f.setdefault("lower_prio_no_advert", defaults.lower_prio_no_advert)
    f["notify"] = Notify(**f.pop("_notify", {}))
    f["garp"] = replace(defaults.garp, **f.pop("_garp", {}))


def _advert_centiseconds(name: str, version: int, given: tuple[float, Location] | None,
                         out: Diagnostics) -> int:
    """keepalived's rules: v2 rounds to whole seconds (RFC 3768 §5.3.7 has an 8-bit seconds
    field), v3 to 10 ms units capped at 40.95 s (RFC 5798 §5.2.7, 12-bit centiseconds)."""
    if given is None:
        return 100
    seconds, location = given
    if version == 2:
        if seconds != int(seconds):
            out.warn(location, f"({name}) VRRPv2 advertisement interval {seconds:f}s must be an "
                               "integer. rounding")
        return max(1, int(seconds + 0.5)) * 100
    if seconds > 40.95:
        out.warn(location, f"({name}) VRRPv3 advertisement interval {seconds:.2f}s is out of "
                           "range. Must be less than 40.96s. Setting to 40.95s")
        return 4095
    centiseconds = int(seconds * 100 + 0.5)
    if abs(centiseconds - seconds * 100) > 1e-6:
        out.warn(location, f"({name}) VRRPv3 advertisement interval {seconds:f}s must be in "
                           "units of 10ms - rounding")
    return max(1, centiseconds)


def _priority_rules(name: str, f: InstanceFields, location: Location, out: Diagnostics) -> None:
    """`state MASTER` without `priority` means 255, the address owner (keepalived.conf(5))."""
    if "priority" not in f and f.get("state") is InitialState.MASTER:
        f["priority"] = 255
    if f.get("priority") == 255 and f.get("preempt") is False:
        out.warn(location, f"({name}) nopreempt is incompatible with priority 255. resetting "
                           "nopreempt")
        f["preempt"] = True
    # keepalived 2.2.7 vrrp_complete_instance(): an instance that starts as MASTER preempts
    # at once, whatever the file says
    if f.get("state") is InitialState.MASTER and f.get("preempt") is False:
        out.warn(location, f"({name}) Warning - nopreempt will not work with initial state "
                           "MASTER - clearing")
        f["preempt"] = True
    if f.get("state") is InitialState.MASTER and f.get("preempt_delay"):
        out.warn(location, f"({name}) Warning - preempt delay will not work with initial state "
                           "MASTER - clearing")
        f["preempt_delay"] = 0.0


