"""vrrp_sync_group as keepalived 2.2.7 runs it (vrrp_sync.c, seen in namespaces by a research
helper): members reach MASTER together, yield together, fault together, under scripted time."""

from __future__ import annotations

import ipaddress

from hacore.vrrp.actions import (
    AddAddresses,
    GroupNotify,
    Log,
    RemoveAddresses,
    RunNotify,
    SendAdvert,
    SendGratuitous,
    State,
    StateChanged,
)
from hacore.vrrp.machine import VirtualRouter
from hacore.vrrp.packet import Advertisement
from hacore.vrrp.sync_group import SyncGroup
from tests.unit.vrrp.helpers import VIP, drain, settings

PEER_HIGH = ipaddress.IPv4Address("198.18.0.13")
MDI = 3.609375  # priority 100, 1 s adverts
SYNC_MASTER = Log("VRRP_Group(G1) Syncing instances to MASTER state")


def group() -> tuple[VirtualRouter, VirtualRouter, SyncGroup]:
    vi1 = VirtualRouter(settings(name="VI_1", vrid=51))
    vi2 = VirtualRouter(settings(name="VI_2", vrid=52))
    sync = SyncGroup("G1", [vi1, vi2])
    vi1.start(0.0)
    vi2.start(0.1)
    drain(vi1), drain(vi2)
    return vi1, vi2, sync


def masters() -> tuple[VirtualRouter, VirtualRouter, SyncGroup]:
    vi1, vi2, sync = group()
    vi1.handle_timer(MDI)
    vi2.handle_timer(0.1 + MDI)
    drain(vi1), drain(vi2)
    return vi1, vi2, sync


def test_master_only_when_every_member_wants_it() -> None:
    vi1, vi2, sync = group()
    vi1.handle_timer(MDI)  # VI_2 still hears nothing yet wants nothing: VI_1 waits
    assert drain(vi1) == []
    assert vi1.state is State.BACKUP and vi1.get_timer() == MDI + MDI
    vi2.handle_timer(0.1 + MDI)  # the last one takes over, the group follows
    assert drain(vi2) == [
        StateChanged(State.BACKUP, State.MASTER, "(VI_2) Entering MASTER STATE"),
        SendAdvert(100), AddAddresses(), SendGratuitous(5), RunNotify(State.MASTER),
        SYNC_MASTER]
    assert drain(vi1) == [
        StateChanged(State.BACKUP, State.MASTER, "(VI_1) Entering MASTER STATE"),
        SendAdvert(100), AddAddresses(), SendGratuitous(5), RunNotify(State.MASTER),
        GroupNotify("G1", State.MASTER)]
    assert sync.state is State.MASTER


def test_a_member_hearing_a_master_holds_the_group_back() -> None:
    vi1, vi2, _ = group()
    vi1.handle_timer(MDI)
    vi1.receive(Advertisement(2, 51, 150, 100, (VIP,)), PEER_HIGH, 3.7)  # VI_1 has a master
    vi2.handle_timer(0.1 + MDI)
    assert drain(vi2) == []
    assert vi1.state is vi2.state is State.BACKUP


def test_yielding_master_takes_the_group_to_backup_without_priority_zero() -> None:
    vi1, vi2, sync = masters()
    vi1.receive(Advertisement(2, 51, 150, 100, (VIP,)), PEER_HIGH, 10.0)
    assert drain(vi1) == [
        StateChanged(State.MASTER, State.BACKUP, "(VI_1) Entering BACKUP STATE"),
        RemoveAddresses(), RunNotify(State.BACKUP),
        Log("VRRP_Group(G1) Syncing instances to BACKUP state")]
    assert drain(vi2) == [
        StateChanged(State.MASTER, State.BACKUP, "(VI_2) Entering BACKUP STATE"),
        RemoveAddresses(), RunNotify(State.BACKUP), GroupNotify("G1", State.BACKUP)]
    assert sync.state is State.BACKUP


def test_one_fault_is_the_groups_and_recovery_waits_for_every_member() -> None:
    vi1, vi2, _ = masters()
    vi2.set_fault(True, 10.0)
    assert drain(vi2) == [
        StateChanged(State.MASTER, State.FAULT, "(VI_2) Entering FAULT STATE"),
        SendAdvert(0), SendAdvert(0), RemoveAddresses(), RunNotify(State.FAULT),
        Log("VRRP_Group(G1) Syncing instances to FAULT state")]
    assert drain(vi1) == [  # one priority-0 advert for a member synced to FAULT
        StateChanged(State.MASTER, State.FAULT, "(VI_1) Entering FAULT STATE"),
        SendAdvert(0), RemoveAddresses(), RunNotify(State.FAULT),
        GroupNotify("G1", State.FAULT)]
    vi1.set_fault(True, 11.0)  # its own fault as well: already FAULT with its group
    assert drain(vi1) == []
    vi2.set_fault(False, 12.0)  # VI_1 is still faulty: the group stays in FAULT
    assert drain(vi2) == [] and vi2.state is State.FAULT
    vi1.set_fault(False, 13.0)
    assert drain(vi1) == [
        StateChanged(State.FAULT, State.BACKUP, "(VI_1) Entering BACKUP STATE"),
        RunNotify(State.BACKUP), Log("VRRP_Group(G1) Syncing instances to BACKUP state")]
    assert drain(vi2) == [
        StateChanged(State.FAULT, State.BACKUP, "(VI_2) Entering BACKUP STATE"),
        RunNotify(State.BACKUP), GroupNotify("G1", State.BACKUP)]
    assert vi1.get_timer() == vi2.get_timer() == 13.0 + MDI


def test_a_backup_synced_to_fault_changes_silently() -> None:
    vi1, vi2, _ = group()
    vi1.set_fault(True, 1.0)
    assert drain(vi1)[0] == StateChanged(State.BACKUP, State.FAULT,
                                         "(VI_1) Entering FAULT STATE")
    assert drain(vi2) == [RunNotify(State.FAULT), GroupNotify("G1", State.FAULT)]
    assert vi2.state is State.FAULT and vi2.get_timer() is None
