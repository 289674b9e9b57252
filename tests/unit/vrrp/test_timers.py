"""Skew_Time and Master_Down_Interval in keepalived's microseconds (RFC 3768/5798 §6.1)."""

from __future__ import annotations

import pytest

from hacore.vrrp.timers import master_down_interval_us, skew_time_us


@pytest.mark.parametrize(("version", "priority", "interval_cs", "skew", "down"), [
    (2, 100, 100, 609_375, 3_609_375),
    (2, 101, 100, 605_468, 3_605_468),
    (2, 102, 100, 601_562, 3_601_562),   # the course's backup with its track_script weight
    (2, 100, 300, 609_375, 9_609_375),   # v2 skew does not scale with the interval
    (2, 254, 100, 7_812, 3_007_812),
    (3, 100, 100, 609_375, 3_609_375),
    (3, 100, 10, 60_937, 360_937),
    (3, 100, 1, 6_093, 36_093),
    (3, 101, 10, 60_546, 360_546),
])
def test_keepalived_microseconds(version: int, priority: int, interval_cs: int, skew: int,
                                 down: int) -> None:
    assert skew_time_us(version, priority, interval_cs) == skew
    assert master_down_interval_us(version, priority, interval_cs) == down


def test_down_timer_adverts_scales_the_interval_only() -> None:
    assert master_down_interval_us(2, 100, 100, down_timer_adverts=5) == 5_609_375
