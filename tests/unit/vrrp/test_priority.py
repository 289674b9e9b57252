"""Tracking weights as keepalived applies them, including the course's `weight 2` scripts."""

from __future__ import annotations

import pytest

from hacore.vrrp.priority import effective_priority


@pytest.mark.parametrize(("base", "tracked", "expected"), [
    (101, [(2, False, True)], (103, False)),      # course lb1, haproxy running
    (100, [(2, False, True)], (102, False)),      # course lb2, haproxy running
    (101, [(2, False, False)], (101, False)),     # lb1's haproxy died: 101 < 102, lb2 preempts
    (101, [(2, False, None)], (101, False)),      # no result yet
    (100, [(-20, False, False)], (80, False)),
    (100, [(-20, False, True)], (100, False)),
    (100, [(10, True, False)], (110, False)),     # reverse: a failing script counts as good
    (100, [(0, False, False)], (100, True)),      # weight 0: failure is FAULT
    (250, [(10, False, True)], (254, False)),     # clamped below the owner's 255
    (5, [(-50, False, False)], (1, False)),
    (255, [(-50, False, False)], (255, False)),   # the owner never moves
])
def test_effective_priority(base: int, tracked: list[tuple[int, bool, bool | None]],
                            expected: tuple[int, bool]) -> None:
    assert effective_priority(base, tracked) == expected
