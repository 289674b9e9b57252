"""`global_defs { ... }` keywords (keepalived.conf(5) "Global definitions", 2.2.7 defaults).

E-mail, LVS and process-tuning keywords are accepted with a warning saying why they change
nothing in hacore; the VRRP keywords set GlobalDefs fields.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from hacore.config.keepalived_values import flag, integer, number, one

# handler(global_defs fields, garp fields, args)
GlobalHandler = Callable[[dict[str, Any], dict[str, Any], list[str]], None]


def _set(field: str, convert: Callable[[list[str]], Any]) -> GlobalHandler:
    def handler(values: dict[str, Any], garp: dict[str, Any], args: list[str]) -> None:
        values[field] = convert(args)

    return handler


def _garp(field: str, convert: Callable[[list[str]], Any]) -> GlobalHandler:
    def handler(values: dict[str, Any], garp: dict[str, Any], args: list[str]) -> None:
        garp[field] = convert(args)

    return handler


def _script_user(values: dict[str, Any], garp: dict[str, Any], args: list[str]) -> None:
    if not 1 <= len(args) <= 2:
        raise ValueError("'script_user' expects <user> [<group>]")
    values["script_user"] = args[0]
    values["script_group"] = args[1] if len(args) == 2 else None


def _version(args: list[str]) -> int:
    return integer(one("vrrp_version", args), 2, 3, "vrrp_version")


def _seconds(keyword: str, high: float) -> Callable[[list[str]], float]:
    return lambda args: number(one(keyword, args), 0, high, keyword)


def _count(keyword: str, low: int, high: int) -> Callable[[list[str]], int]:
    return lambda args: integer(one(keyword, args), low, high, keyword)


def _flag(keyword: str) -> Callable[[list[str]], bool]:
    return lambda args: flag(args, keyword)


GLOBAL_DEFS_KEYWORDS: dict[str, GlobalHandler] = {
    "router_id": _set("router_id", lambda a: one("router_id", a)),
    "script_user": _script_user,
    "enable_script_security": _set("enable_script_security", _flag("enable_script_security")),
    "vrrp_version": _set("vrrp_version", _version),
    "vrrp_strict": _set("vrrp_strict", _flag("vrrp_strict")),
    "vrrp_lower_prio_no_advert": _set("lower_prio_no_advert", _flag("vrrp_lower_prio_no_advert")),
    "vrrp_higher_prio_send_advert": _set("higher_prio_send_advert",
                                         _flag("vrrp_higher_prio_send_advert")),
    "vrrp_check_unicast_src": _set("check_unicast_src", _flag("vrrp_check_unicast_src")),
    "vrrp_skip_check_adv_addr": _set("skip_check_adv_addr", _flag("vrrp_skip_check_adv_addr")),
    "vrrp_startup_delay": _set("startup_delay", _seconds("vrrp_startup_delay", 3600)),
    "vrrp_mcast_group4": _set("mcast_group4", lambda a: ipaddress.IPv4Address(one("vrrp_mcast_group4", a))),
    "vrrp_mcast_group6": _set("mcast_group6", lambda a: ipaddress.IPv6Address(one("vrrp_mcast_group6", a))),
    "vrrp_notify_fifo": _set("notify_fifo", lambda a: a[0] if a else one("vrrp_notify_fifo", a)),
    "vrrp_down_timer_adverts": _set("down_timer_adverts",
                                    _count("vrrp_down_timer_adverts", 1, 100)),
    "vrrp_rt_priority": _set("rt_priority", _count("vrrp_rt_priority", 1, 99)),
    "vrrp_garp_master_delay": _garp("master_delay", _seconds("vrrp_garp_master_delay", 86400)),
    "vrrp_garp_master_repeat": _garp("master_repeat", _count("vrrp_garp_master_repeat", 1, 1000)),
    "vrrp_garp_master_refresh": _garp("master_refresh", _seconds("vrrp_garp_master_refresh", 86400)),
    "vrrp_garp_master_refresh_repeat": _garp("master_refresh_repeat",
                                             _count("vrrp_garp_master_refresh_repeat", 1, 1000)),
    "vrrp_garp_interval": _garp("interval", _seconds("vrrp_garp_interval", 1)),
    "vrrp_garp_lower_prio_delay": _garp("lower_prio_delay",
                                        _seconds("vrrp_garp_lower_prio_delay", 86400)),
    "vrrp_garp_lower_prio_repeat": _garp("lower_prio_repeat",
                                         _count("vrrp_garp_lower_prio_repeat", 0, 1000)),
}

_MAIL = "hacore sends no e-mail; use notify scripts or its Prometheus metrics for alerts"
_LVS = "hacore balances in user space, not with IPVS"
_TUNING = "hacore's VRRP process tuning is set in its systemd unit"
GLOBAL_DEFS_IGNORED: dict[str, str] = {
    "notification_email": _MAIL, "notification_email_from": _MAIL, "smtp_server": _MAIL,
    "smtp_connect_timeout": _MAIL, "smtp_helo_name": _MAIL, "smtp_alert": _MAIL,
    "smtp_alert_vrrp": _MAIL, "smtp_alert_checker": _MAIL,
    "lvs_sync_daemon": _LVS, "lvs_flush": _LVS, "lvs_flush_on_stop": _LVS, "lvs_timeouts": _LVS,
    "max_auto_priority": _TUNING, "vrrp_priority": _TUNING, "vrrp_no_swap": _TUNING,
    "vrrp_rlimit_rttime": _TUNING, "min_auto_priority_delay": _TUNING,
    "enable_traps": "hacore exports state through /metrics, not SNMP",
    "vrrp_iptables": "hacore does not filter traffic (accept mode is always on)",
    "nftables": "hacore does not filter traffic (accept mode is always on)",
    "vrrp_gna_interval": "IPv6 unsolicited NA pacing follows vrrp_garp_interval",
    "dynamic_interfaces": "hacore checks interfaces when an instance starts",
    "default_interface": "keepalived 2.2.7 itself uses it for nothing an instance needs",
    "vrrp_garp_extra_if": "GARPs go out on the instance's interface only",
    "vrrp_min_garp": "hacore keeps the configured GARP repeats",
    "process_names": _TUNING, "vrrp_process_name": _TUNING, "umask": _TUNING,
    "log_unknown_vrids": "hacore always counts adverts for unknown VRIDs",
}
