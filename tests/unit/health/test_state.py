"""HAProxy's rise/fall counter: exact UP/DOWN sequences for given result series, and the
check interval each health value selects (configuration.txt §5.2 inter/fastinter/downinter)."""

from __future__ import annotations

import pytest

from hacore.config.haproxy_model import InitState
from hacore.health.schedule import CheckSchedule, ServerCheck
from hacore.health.state import Health, Transition


def run(results: str, init: InitState = InitState.UP, rise: int = 2, fall: int = 3) -> str:
    """'S'/'F' per check → the state after each: 'U' up, 'D' down; '^'/'v' mark transitions."""
    health = Health.initial(rise, fall, init)
    out = []
    for result in results:
        transition = health.record(result == "S")
        mark = {Transition.UP: "^", Transition.DOWN: "v", None: ""}[transition]
        out.append(("U" if health.up else "D") + mark)
    return " ".join(out)


@pytest.mark.parametrize(("results", "init", "expected"), [
    ("F", InitState.UP, "Dv"),                        # 2.6: UP at start, first failure DOWN
    ("SFFF", InitState.UP, "U U U Dv"),               # once fully up, fall=3 failures
    ("SFSFFF", InitState.UP, "U U U U U Dv"),          # a success going down restores
    ("FSS", InitState.UP, "Dv D U^"),                 # rise=2 successes from down
    ("FSFSS", InitState.UP, "Dv D D D U^"),           # a failure going up loses progress
    ("FFF", InitState.FULLY_UP, "U U Dv"),
    ("S", InitState.DOWN, "U^"),                      # init-state down: one success is enough
    ("SS", InitState.FULLY_DOWN, "D U^"),
    ("FFFF", InitState.FULLY_DOWN, "D D D D"),
])
def test_sequences(results: str, init: InitState, expected: str) -> None:
    assert run(results, init) == expected


def test_health_values() -> None:
    health = Health.initial(2, 3)
    assert health.health == 2
    health.record(True)
    assert health.health == 4 and health.fully_up
    health.record(False)
    assert health.health == 3


@pytest.mark.parametrize(("results", "expected_ms"), [
    ("", 500),        # not yet checked: fastinter
    ("S", 2000),      # fully up: inter
    ("SF", 500),      # going down: fastinter
    ("SFFF", 10000),  # fully down: downinter
    ("SFFFS", 500),   # going up: fastinter
])
def test_interval_by_health(results: str, expected_ms: int) -> None:
    health = Health.initial(2, 3)
    for result in results:
        health.record(result == "S")
    assert health.interval_ms(2000, 500, 10000) == expected_ms
    assert health.interval_ms(2000, None, None) == 2000


def test_first_checks_spread_over_the_smallest_interval() -> None:
    checks = [ServerCheck(f"s{i}", Health.initial(2, 3), 2000) for i in range(4)]
    schedule = CheckSchedule(checks, now=10.0)
    assert [c.deadline for c in checks] == [10.0, 10.5, 11.0, 11.5]
    assert schedule.get_timer() == 10.0


def test_next_deadline_keeps_the_cadence() -> None:
    check = ServerCheck("s1", Health.initial(2, 3), 2000, fastinter=1000)
    schedule = CheckSchedule([check], now=0.0)
    assert schedule.due(0.0) == [check] and schedule.get_timer() is None
    assert schedule.finished(check, True, 0.003) is None  # UP stays UP, now fully up
    assert check.deadline == 2.0  # from the previous deadline, not from the end
    schedule.due(2.0)
    assert schedule.finished(check, False, 5.5) is None  # going down: fastinter
    assert check.deadline == 6.0  # 3.0, 4.0, 5.0 already past


def test_spread_checks_moves_each_interval_within_the_percentage() -> None:
    draws = iter([0.0, 1.0])
    check = ServerCheck("s1", Health.initial(2, 3), 2000)
    schedule = CheckSchedule([check], now=0.0, spread_percent=10, uniform=lambda: next(draws))
    schedule.due(0.0)
    schedule.finished(check, True, 0.0)
    assert check.deadline == pytest.approx(1.8)  # 2 s minus 10 %
    schedule.due(1.8)
    schedule.finished(check, True, 1.8)
    assert check.deadline == pytest.approx(1.8 + 2.2)  # plus 10 %
