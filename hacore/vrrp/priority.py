"""Effective priority from tracked scripts and interfaces (keepalived vrrp_track.c): a good
one with a positive weight adds it, a bad one with a negative weight subtracts it (`reverse`
swaps good and bad), a bad one with weight 0 puts the instance in FAULT. The result is clamped
to [1, 254]; the address owner's 255 never moves.
"""

from __future__ import annotations

from collections.abc import Iterable

from hacore.config.keepalived_model import VrrpInstance

OWNER = 255


def effective_priority(base: int, tracked: Iterable[tuple[int, bool, bool | None]]
                       ) -> tuple[int, bool]:
    """(priority, fault) from (weight, reverse, good) per tracked script or interface; `good`
    is None while a script has no result yet, which neither adds nor subtracts."""
    total, fault = base, False
    for weight, reverse, result in tracked:
        if result is None:
            continue
        good = result != reverse
        if weight == 0:
            fault = fault or not good
        elif (weight > 0 and good) or (weight < 0 and not good):
            total += weight
    if base == OWNER:
        return OWNER, fault
    return max(1, min(254, total)), fault


def tracked_interfaces(instance: VrrpInstance) -> tuple[dict[str, tuple[int, bool]], list[str]]:
    """The interfaces an instance tracks, as {name: (weight, reverse)}, and what to log about
    its configuration (keepalived vrrp.c vrrp_complete_instance): its own interface with
    weight 0 unless `dont_track_primary`; each `track_interface` entry except its own
    interface ("Ignoring track_interface eth0 since own interface"); and, with weight 0,
    every interface carrying one of its VIPs unless the VIP says `no_track`."""
    own, logs = instance.interface, []
    tracked: dict[str, tuple[int, bool]] = {}
    if not instance.dont_track_primary:
        tracked[own] = (0, False)
    for entry in instance.track_interfaces:
        if entry.name == own:
            logs.append(f"({instance.name}) Ignoring track_interface {own} since own interface")
        elif entry.name in tracked:
            logs.append(f"({instance.name}) duplicate track_interface {entry.name} - ignoring")
        else:
            tracked[entry.name] = (entry.weight or 0, entry.reverse)
    for vip in instance.virtual_addresses:
        device = vip.device or own
        if vip.no_track or (device == own and instance.dont_track_primary):
            continue
        tracked.setdefault(device, (0, False))
    return tracked, logs
