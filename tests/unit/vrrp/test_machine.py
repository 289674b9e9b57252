"""One VirtualRouter under scripted time: exact deadlines and exact action lists."""

from __future__ import annotations

import ipaddress

import pytest

from hacore.vrrp.actions import (
    AddAddresses,
    Log,
    NotifyLowerPriority,
    RemoveAddresses,
    RunNotify,
    SendAdvert,
    SendGratuitous,
    State,
    StateChanged,
)
from hacore.vrrp.machine import VirtualRouter
from hacore.vrrp.packet import Advertisement
from tests.unit.vrrp.helpers import VIP, drain, settings

PEER_LOW = ipaddress.IPv4Address("198.18.0.11")
PEER_HIGH = ipaddress.IPv4Address("198.18.0.13")


def advert(priority: int, interval_cs: int = 100, version: int = 2) -> Advertisement:
    return Advertisement(version, 51, priority, interval_cs, (VIP,))


def backup(**changes: object) -> VirtualRouter:
    router = VirtualRouter(settings(**changes))  # type: ignore[arg-type]
    router.start(0.0)
    drain(router)
    return router


def master(**changes: object) -> VirtualRouter:
    router = backup(**changes)
    deadline = router.get_timer()
    assert deadline is not None
    router.handle_timer(deadline)
    drain(router)
    return router


def test_start_as_backup_and_wait_master_down_interval() -> None:
    router = VirtualRouter(settings(100))
    router.start(0.0)
    assert drain(router) == [
        RemoveAddresses(),
        StateChanged(State.INIT, State.BACKUP, "(VI_1) Entering BACKUP STATE (init)"),
        RunNotify(State.BACKUP),
    ]
    assert router.get_timer() == 3.609375


def test_state_master_below_255_still_starts_backup() -> None:
    router = VirtualRouter(settings(101, start_as_master=True))
    router.start(0.0)
    assert router.state is State.BACKUP
    assert router.get_timer() == 3.605468


def test_owner_becomes_master_at_once() -> None:
    router = VirtualRouter(settings(255, start_as_master=True))
    router.start(0.0)
    assert drain(router) == [
        RemoveAddresses(),
        StateChanged(State.INIT, State.MASTER, "(VI_1) Entering MASTER STATE (owner)"),
        SendAdvert(255), AddAddresses(), SendGratuitous(5), RunNotify(State.MASTER),
    ]
    assert router.get_timer() == 1.0


def test_master_down_timer_fires_advert_first_then_addresses_then_garps() -> None:
    router = backup()
    router.handle_timer(3.609375)
    assert drain(router) == [
        StateChanged(State.BACKUP, State.MASTER, "(VI_1) Entering MASTER STATE"),
        SendAdvert(100), AddAddresses(), SendGratuitous(5), RunNotify(State.MASTER),
    ]
    assert router.get_timer() == 4.609375


def test_master_adverts_every_interval_and_second_garp_burst_after_5s() -> None:
    router = master()
    times = []
    for _ in range(6):
        deadline = router.get_timer()
        assert deadline is not None
        router.handle_timer(deadline)
        times.append((deadline, drain(router)))
    assert [t for t, _ in times] == pytest.approx([4.609375 + k for k in range(6)])
    assert times[4][1] == [SendAdvert(100), SendGratuitous(5)]  # at 8.609375 = 3.609375 + 5
    assert all(actions == [SendAdvert(100)] for i, (_, actions) in enumerate(times) if i != 4)


def test_backup_resets_on_equal_or_higher_priority() -> None:
    router = backup()
    router.receive(advert(101), PEER_LOW, 1.0)
    assert router.get_timer() == 1.0 + 3.609375
    router.receive(advert(100), PEER_LOW, 2.0)
    assert router.get_timer() == 2.0 + 3.609375
    assert drain(router) == []


def test_backup_waits_only_skew_time_after_priority_zero() -> None:
    router = backup()
    router.receive(advert(101), PEER_LOW, 1.0)
    router.receive(advert(0), PEER_LOW, 2.0)
    assert router.get_timer() == 2.609375


def test_backup_preempts_a_lower_priority_master() -> None:
    router = backup(priority=102)
    router.receive(advert(101), PEER_LOW, 1.0)
    assert drain(router) == [Log("(VI_1) received lower priority (101) advert - discarding")]
    assert router.get_timer() == 3.601562  # started at 0, never reset


def test_nopreempt_backup_accepts_a_lower_priority_master() -> None:
    router = backup(priority=102, preempt=False)
    router.receive(advert(101), PEER_LOW, 1.0)
    assert router.get_timer() == 1.0 + 3.601562


def test_preempt_delay_holds_the_backup() -> None:
    router = backup(priority=102, preempt_delay_us=2_000_000)
    for now in (0.5, 1.5, 2.5):
        router.receive(advert(101), PEER_LOW, now)
    assert drain(router) == [Log("(VI_1) start preempt delay (2s)"),
                             Log("(VI_1) received lower priority (101) advert - discarding")]
    assert router.get_timer() == 1.5 + 3.601562


def test_v3_backup_adopts_the_masters_interval() -> None:
    router = backup(version=3, advert_int_cs=100)
    router.receive(advert(101, interval_cs=10, version=3), PEER_LOW, 0.5)
    assert router.master_adver_int_cs == 10
    assert router.get_timer() == 0.5 + 0.360937


def test_master_gives_way_to_a_higher_priority() -> None:
    router = master()
    router.receive(advert(101), PEER_LOW, 5.0)
    assert drain(router) == [
        StateChanged(State.MASTER, State.BACKUP, "(VI_1) Entering BACKUP STATE"),
        RemoveAddresses(), RunNotify(State.BACKUP),
    ]
    assert router.get_timer() == 5.0 + 3.609375


def test_equal_priority_greater_address_wins() -> None:
    router = master()
    router.receive(advert(100), PEER_HIGH, 5.0)
    assert router.state is State.BACKUP


def test_master_answers_a_lower_priority_at_once() -> None:
    router = master()
    router.receive(advert(100), PEER_LOW, 5.0)  # equal priority, smaller address
    assert drain(router) == [
        Log("(VI_1) Received advert from 198.18.0.11 with lower priority 100, ours 100, "
            "forcing new election"),
        SendAdvert(100), SendGratuitous(5), NotifyLowerPriority(PEER_LOW),
    ]
    assert router.get_timer() == 6.0


def test_lower_prio_no_advert_stays_quiet() -> None:
    router = master(lower_prio_no_advert=True, garp_lower_prio_repeat=0)
    router.receive(advert(50), PEER_LOW, 5.0)
    assert [a for a in drain(router) if not isinstance(a, Log)] == [NotifyLowerPriority(PEER_LOW)]


def test_master_answers_priority_zero_with_an_advert() -> None:
    router = master()
    router.receive(advert(0), PEER_LOW, 5.5)
    assert drain(router) == [SendAdvert(100)]
    assert router.get_timer() == 6.5


def test_shutdown_sends_priority_zero_then_removes_addresses() -> None:
    router = master()
    router.shutdown(6.0)
    assert drain(router) == [
        SendAdvert(0), RemoveAddresses(),
        StateChanged(State.MASTER, State.INIT, "(VI_1) Entering STOP"), RunNotify(State.INIT),
    ]
    assert router.get_timer() is None


def test_fault_and_recovery() -> None:
    router = master()
    router.set_fault(True, 6.0)
    assert drain(router) == [  # keepalived 2.2.7 captured: two priority-0 adverts
        StateChanged(State.MASTER, State.FAULT, "(VI_1) Entering FAULT STATE"),
        SendAdvert(0), SendAdvert(0), RemoveAddresses(), RunNotify(State.FAULT),
    ]
    assert router.get_timer() is None
    router.set_fault(False, 7.0)
    assert drain(router) == [
        StateChanged(State.FAULT, State.BACKUP, "(VI_1) Entering BACKUP STATE"),
        RunNotify(State.BACKUP),
    ]
    assert router.get_timer() == 7.0 + 3.609375
    assert router.transitions == {(State.INIT, State.BACKUP): 1, (State.BACKUP, State.MASTER): 1,
                                  (State.MASTER, State.FAULT): 1, (State.FAULT, State.BACKUP): 1}


def test_backup_fault_sends_nothing_and_a_fault_at_start_is_logged_as_keepalived() -> None:
    router = VirtualRouter(settings())
    router.start(0.0, fault="interface eth0 down")
    assert drain(router) == [
        RemoveAddresses(), Log("(VI_1): entering FAULT state (interface eth0 down)"),
        StateChanged(State.INIT, State.FAULT, "(VI_1) entering FAULT state"),
        RunNotify(State.FAULT)]
    assert router.get_timer() is None
    router.receive(advert(100), PEER_LOW, 1.0)  # ignored in FAULT
    assert drain(router) == []
    router.set_fault(False, 2.0)
    router.set_fault(True, 2.5)
    assert drain(router) == [
        StateChanged(State.FAULT, State.BACKUP, "(VI_1) Entering BACKUP STATE"),
        RunNotify(State.BACKUP),
        StateChanged(State.BACKUP, State.FAULT, "(VI_1) Entering FAULT STATE"),
        RunNotify(State.FAULT)]


def test_owner_configured_master_leaves_fault_as_master() -> None:
    router = VirtualRouter(settings(priority=255, start_as_master=True))
    router.start(0.0, fault="interface eth0 down")
    drain(router)
    router.set_fault(False, 1.0)
    assert drain(router)[:2] == [
        StateChanged(State.FAULT, State.MASTER, "(VI_1) Entering MASTER STATE"),
        SendAdvert(255)]


def test_effective_priority_changes_the_adverts_and_the_skew() -> None:
    router = master()
    router.set_priority(98, 5.0)
    router.handle_timer(5.609375)
    assert drain(router)[-1] == SendAdvert(98)
    other = backup()
    other.set_priority(102, 1.0)
    other.receive(advert(101), PEER_LOW, 1.0)
    assert other.get_timer() == 3.609375  # 102 > 101: discarded, the first timer runs on
