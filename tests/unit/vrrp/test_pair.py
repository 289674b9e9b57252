"""Two routers (the course's lb1 at 101 and lb2 at 100) on an in-memory LAN, adverts going
through the real codec and receive checks: election, hard failure, graceful stop, preemption.
Times are exact: keepalived's microsecond skew."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hacore.vrrp.actions import StateChanged
from hacore.vrrp.machine import VirtualRouter
from tests.unit.vrrp.helpers import Lan, settings


def course_lan(version: int = 2, interval_cs: int = 100) -> Lan:
    lb1 = settings(101, host=11, start_as_master=True, version=version, advert_int_cs=interval_cs)
    lb2 = settings(100, host=12, version=version, advert_int_cs=interval_cs)
    return Lan({"lb1": VirtualRouter(lb1), "lb2": VirtualRouter(lb2)})


def changes(lan: Lan) -> list[tuple[float, str, str]]:
    return [(round(t, 6), name, a.message) for t, name, a in lan.log
            if isinstance(a, StateChanged)]


def test_election_hard_failure_and_preemption() -> None:
    lan = course_lan()
    lan.start("lb1", 0.0)
    lan.start("lb2", 0.0)
    lan.run_until(10.0)
    assert lan.states() == {"lb1": "MASTER", "lb2": "BACKUP"}
    lan.down.add("lb1")  # SIGKILL: nothing more is sent
    lan.run_until(20.0)
    lan.routers["lb1"] = VirtualRouter(lan.routers["lb1"].settings)
    lan.start("lb1", 20.0)
    lan.run_until(30.0)
    assert changes(lan) == [
        (0.0, "lb1", "(VI_1) Entering BACKUP STATE (init)"),
        (0.0, "lb2", "(VI_1) Entering BACKUP STATE (init)"),
        (3.605468, "lb1", "(VI_1) Entering MASTER STATE"),
        # last advert from lb1 at 3.605468 + 6 s; lb2 waits Master_Down_Interval after it
        (9.605468 + 3.609375, "lb2", "(VI_1) Entering MASTER STATE"),
        (20.0, "lb1", "(VI_1) Entering BACKUP STATE (init)"),
        (23.605468, "lb1", "(VI_1) Entering MASTER STATE"),  # preempts the lower lb2
        (23.605468, "lb2", "(VI_1) Entering BACKUP STATE"),
    ]
    assert lan.states() == {"lb1": "MASTER", "lb2": "BACKUP"}


def test_graceful_stop_hands_over_after_skew_time() -> None:
    lan = course_lan()
    lan.start("lb1", 0.0)
    lan.start("lb2", 0.0)
    lan.run_until(10.0)
    lan.stop("lb1", 10.0)
    lan.run_until(12.0)
    assert changes(lan)[-2:] == [(10.0, "lb1", "(VI_1) Entering STOP"),
                                 (10.609375, "lb2", "(VI_1) Entering MASTER STATE")]


@pytest.mark.parametrize(("interval_cs", "takeover"), [(10, 0.360937), (1, 0.036093)])
def test_v3_sub_second_failover(interval_cs: int, takeover: float) -> None:
    lan = course_lan(version=3, interval_cs=interval_cs)
    lan.start("lb1", 0.0)
    lan.start("lb2", 0.0)
    lan.run_until(1.0)
    last_advert = max(t for t, name, _ in lan.log if name == "lb1")
    lan.down.add("lb1")
    lan.run_until(3.0)
    (t, name, message) = changes(lan)[-1]
    assert (name, message) == ("lb2", "(VI_1) Entering MASTER STATE")
    assert t == pytest.approx(last_advert + takeover, abs=1e-6)


def test_mismatched_password_is_not_heard_so_both_are_master() -> None:
    lan = course_lan()
    lb2 = lan.routers["lb2"]
    lan.routers["lb2"] = VirtualRouter(replace(lb2.settings, auth_data=b"other123"))
    lan.start("lb1", 0.0)
    lan.start("lb2", 0.0)
    lan.run_until(5.0)
    assert lan.states() == {"lb1": "MASTER", "lb2": "MASTER"}
