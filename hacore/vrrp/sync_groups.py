"""vrrp_sync_group blocks put to work over built drivers: one SyncGroup per block, one action
sequencer shared by its members, and keepalived's rules for tracking inside a group
(vrrp.c vrrp_complete_instance(), unless `sync_group_tracking_weight`): a weighted
track_interface of a member counts with weight 0, a weighted track_script of a member is
dropped, each logged as keepalived logs it; the group's own track_script applies to every
member with its weight."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacore.config.keepalived_model import KeepalivedConfig
from hacore.vrrp.journal import log
from hacore.vrrp.scripts import TrackedScript
from hacore.vrrp.sequencer import Sequencer
from hacore.vrrp.sync_group import SyncGroup

if TYPE_CHECKING:
    from hacore.vrrp.driver import RouterDriver


def wire_sync_groups(config: KeepalivedConfig, drivers: list[RouterDriver]) -> None:
    by_name = {driver.instance.name: driver for driver in drivers}
    scripts = {script.name: script for script in config.scripts}
    for group in config.sync_groups:
        members = [by_name[name] for name in group.members if name in by_name]
        if not members:
            continue
        sync = SyncGroup(group.name, [member.router for member in members])
        for message in sync.log_members():
            log(message.message)
        sequencer = Sequencer()
        for member in members:
            member.members, member.sequencer, member.sync_group = members, sequencer, group
            if not group.tracking_weight:
                _neutralise_weights(member)
            for tracked in group.track_scripts:
                script = scripts[tracked.name]
                weight = script.weight if tracked.weight is None else tracked.weight
                member.scripts.append((TrackedScript(script, member.tracking_changed), weight,
                                       tracked.reverse or script.weight_reverse))


def _neutralise_weights(member: RouterDriver) -> None:
    name = member.instance.name
    for interface, (weight, reverse) in list(member.interfaces.items()):
        if weight:
            log(f"({name}) ignoring {interface} tracked interface weight due to SYNC group")
            member.interfaces[interface] = (0, reverse)
    kept = []
    for runner, weight, reverse in member.scripts:
        if weight:
            log(f"({name}) ignoring tracked script {runner.script.name} with weights due to "
                "SYNC group")
        else:
            kept.append((runner, weight, reverse))
    member.scripts[:] = kept
