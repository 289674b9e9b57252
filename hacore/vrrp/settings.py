"""What one virtual router needs to run, from its `vrrp_instance` block and the address the
driver found on its interface (keepalived.conf(5) "VRRP instance(s)")."""

from __future__ import annotations

from dataclasses import dataclass

from hacore.config.keepalived_model import InitialState, VrrpInstance
from hacore.vrrp.packet import AUTH_AH, AUTH_NONE, AUTH_PASS, IPAddress

_AUTH_TYPES = {None: AUTH_NONE, "PASS": AUTH_PASS, "AH": AUTH_AH}


@dataclass(frozen=True, slots=True)
class RouterSettings:
    name: str
    vrid: int
    priority: int  # the configured (base) priority; 255 owns the addresses
    version: int
    advert_int_cs: int
    addresses: tuple[IPAddress, ...]
    primary_address: IPAddress  # our advertisement source, and the tie-breaker
    preempt: bool = True
    preempt_delay_us: int = 0
    start_as_master: bool = False  # `state MASTER`: matters only at priority 255
    auth_type: int = AUTH_NONE
    auth_data: bytes = bytes(8)
    down_timer_adverts: int = 3
    lower_prio_no_advert: bool = False
    garp_repeat: int = 5
    garp_delay_us: int = 5_000_000
    garp_refresh_us: int = 0
    garp_lower_prio_repeat: int = 5
    unicast_peers: tuple[tuple[IPAddress, int, int], ...] = ()  # (address, min TTL, max TTL)
    check_unicast_src: bool = False

    @classmethod
    def from_instance(cls, instance: VrrpInstance, primary_address: IPAddress,
                      check_unicast_src: bool = False) -> RouterSettings:
        """`check_unicast_src`: the global `vrrp_check_unicast_src`; a peer's min_ttl or
        max_ttl turns it on too (keepalived vrrp_data.c)."""
        garp = instance.garp
        peers = tuple((p.address, p.min_ttl or 0, 255 if p.max_ttl is None else p.max_ttl)
                      for p in instance.unicast_peers)
        checked = check_unicast_src or any(p.min_ttl is not None or p.max_ttl is not None
                                           for p in instance.unicast_peers)
        return cls(
            name=instance.name,
            vrid=instance.virtual_router_id,
            priority=instance.priority,
            version=instance.version,
            advert_int_cs=instance.advert_int,
            addresses=tuple(v.interface.ip for v in instance.virtual_addresses),
            primary_address=primary_address,
            preempt=instance.preempt,
            preempt_delay_us=round(instance.preempt_delay * 1_000_000),
            start_as_master=instance.state is InitialState.MASTER,
            auth_type=_AUTH_TYPES[instance.auth_type],
            auth_data=instance.auth_pass.ljust(8, b"\0"),
            down_timer_adverts=instance.down_timer_adverts,
            lower_prio_no_advert=instance.lower_prio_no_advert,
            garp_repeat=garp.master_repeat,
            garp_delay_us=round(garp.master_delay * 1_000_000),
            garp_refresh_us=round(garp.master_refresh * 1_000_000),
            garp_lower_prio_repeat=(garp.master_repeat if garp.lower_prio_repeat is None
                                    else garp.lower_prio_repeat),
            unicast_peers=peers,
            check_unicast_src=checked,
        )
