"""The keepalived half of the configuration model (keepalived.conf(5), as 2.2.7 reads it).

Advertisement intervals are integer centiseconds, the unit VRRPv3 puts on the wire (RFC 5798
§5.2.7) and keepalived's internal resolution for v3; v2 intervals are whole seconds times 100.
Script intervals and timeouts are float seconds as written.
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass

from hacore.config.errors import Location

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface


class InitialState(enum.Enum):
    MASTER = "MASTER"
    BACKUP = "BACKUP"


@dataclass(frozen=True, slots=True)
class GarpSettings:
    """Gratuitous ARP bursts on becoming MASTER; keepalived's defaults (5 now, 5 more after 5 s)."""

    master_delay: float = 5.0
    master_repeat: int = 5
    master_refresh: float = 0.0
    master_refresh_repeat: int = 1
    interval: float = 0.0
    lower_prio_delay: float | None = None  # None: same as master_delay
    lower_prio_repeat: int | None = None  # None: same as master_repeat


@dataclass(frozen=True, slots=True)
class GlobalDefs:
    router_id: str | None = None
    script_user: str | None = None
    script_group: str | None = None
    enable_script_security: bool = False
    vrrp_version: int = 2
    vrrp_strict: bool = False
    garp: GarpSettings = GarpSettings()
    lower_prio_no_advert: bool = False
    higher_prio_send_advert: bool = False
    check_unicast_src: bool = False
    skip_check_adv_addr: bool = False
    startup_delay: float = 0.0
    down_timer_adverts: int = 3
    mcast_group4: ipaddress.IPv4Address = ipaddress.IPv4Address("224.0.0.18")
    mcast_group6: ipaddress.IPv6Address = ipaddress.IPv6Address("ff02::12")
    notify_fifo: str | None = None
    rt_priority: int | None = None


@dataclass(frozen=True, slots=True)
class VrrpScript:
    """`vrrp_script NAME { ... }`: a command run every `interval` seconds (keepalived defaults)."""

    location: Location
    name: str
    command: str
    interval: float = 1.0
    timeout: float | None = None  # None: same as interval
    weight: int = 0
    weight_reverse: bool = False
    rise: int = 1
    fall: int = 1
    user: str | None = None
    init_fail: bool = False


@dataclass(frozen=True, slots=True)
class VirtualAddress:
    """One `virtual_ipaddress` line: `<ip>[/<len>] [brd <ip>] [dev <if>] [scope <s>] [label <l>]`."""

    location: Location
    interface: IPInterface
    broadcast: IPAddress | None = None
    device: str | None = None  # None: the instance's interface
    scope: str | None = None
    label: str | None = None
    no_track: bool = False  # the VIP's interface does not put the instance in FAULT


@dataclass(frozen=True, slots=True)
class Tracked:
    """A `track_script` or `track_interface` entry; `weight` None keeps the script's own."""

    location: Location
    name: str
    weight: int | None = None
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class UnicastPeer:
    location: Location
    address: IPAddress
    min_ttl: int | None = None
    max_ttl: int | None = None


@dataclass(frozen=True, slots=True)
class Notify:
    """Notify commands, each run with only its own arguments (keepalived `vrrp_notify.c`)."""

    master: str | None = None
    backup: str | None = None
    fault: str | None = None
    stop: str | None = None
    any_state: str | None = None  # `notify`: gets GROUP|INSTANCE, name, STATE, priority appended
    master_rx_lower_pri: str | None = None


@dataclass(frozen=True, slots=True)
class VrrpInstance:
    location: Location
    name: str
    interface: str
    virtual_router_id: int
    state: InitialState = InitialState.BACKUP
    priority: int = 100
    advert_int: int = 100  # centiseconds
    version: int = 2
    preempt: bool = True
    preempt_delay: float = 0.0
    auth_type: str | None = None  # "PASS" or "AH", v2 only
    auth_pass: bytes = b""  # as sent on the wire: at most 8 bytes
    virtual_addresses: tuple[VirtualAddress, ...] = ()
    excluded_addresses: tuple[VirtualAddress, ...] = ()
    track_scripts: tuple[Tracked, ...] = ()
    track_interfaces: tuple[Tracked, ...] = ()
    dont_track_primary: bool = False
    unicast_src_ip: IPAddress | None = None
    unicast_peers: tuple[UnicastPeer, ...] = ()
    mcast_src_ip: IPAddress | None = None
    notify: Notify = Notify()
    garp: GarpSettings = GarpSettings()
    down_timer_adverts: int = 3
    lower_prio_no_advert: bool = False
    v3_checksum_as_v2: bool = False
    accept: bool = True
    use_vmac: bool = False
    smtp_alert: bool = False


@dataclass(frozen=True, slots=True)
class VrrpSyncGroup:
    location: Location
    name: str
    members: tuple[str, ...]
    notify: Notify = Notify()
    track_scripts: tuple[Tracked, ...] = ()
    tracking_weight: bool = False  # sync_group_tracking_weight: members keep their weights


@dataclass(frozen=True, slots=True)
class KeepalivedConfig:
    global_defs: GlobalDefs
    scripts: tuple[VrrpScript, ...]
    instances: tuple[VrrpInstance, ...]
    sync_groups: tuple[VrrpSyncGroup, ...]
