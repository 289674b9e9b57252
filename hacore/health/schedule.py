"""When each server is checked (sans-IO, `get_timer()` / `due(now)` / `finished(...)`).

HAProxy's rules (check.c start_checks(), process_chk()): the first checks are spread over the
smallest interval above 1 s, server n of N starting at n * min_inter / N after start, so that
they do not all fire at once; afterwards a check's next deadline moves by its current interval
(inter, fastinter or downinter, by health) from the previous deadline, skipping any already in
the past, so a slow check does not shift the cadence. Times are seconds (the loop clock);
intervals are milliseconds as configured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hacore.health.state import Health, Transition

CHECK_INTER_THRESHOLD_MS = 1000  # SRV_CHK_INTER_THRES: shorter intervals do not spread others


@dataclass(eq=False, slots=True)
class ServerCheck:
    name: str
    health: Health
    inter: int
    fastinter: int | None = None
    downinter: int | None = None
    deadline: float = 0.0
    running: bool = False

    @property
    def interval_s(self) -> float:
        return self.health.interval_ms(self.inter, self.fastinter, self.downinter) / 1000


class CheckSchedule:
    def __init__(self, checks: Sequence[ServerCheck], now: float, spread_percent: int = 0,
                 uniform: Callable[[], float] | None = None) -> None:
        """`spread_percent`: global `spread-checks`, each interval moved randomly by up to
        that many percent either way (`uniform` draws in [0, 1), injected for tests)."""
        self.checks = list(checks)
        self.spread_percent = spread_percent
        self.uniform = uniform or (lambda: 0.5)
        intervals = [c.health.interval_ms(c.inter, c.fastinter, c.downinter) for c in checks]
        spread = [i for i in intervals if i > CHECK_INTER_THRESHOLD_MS]
        smallest = min(spread) if spread else 0
        for position, check in enumerate(self.checks):
            check.deadline = now + smallest * position / len(self.checks) / 1000

    def get_timer(self) -> float | None:
        waiting = [c.deadline for c in self.checks if not c.running]
        return min(waiting) if waiting else None

    def due(self, now: float) -> list[ServerCheck]:
        """The checks to start now; they stay `running` until `finished()`."""
        started = [c for c in self.checks if not c.running and c.deadline <= now]
        for check in started:
            check.running = True
        return started

    def finished(self, check: ServerCheck, success: bool, now: float) -> Transition | None:
        transition = check.health.record(success)
        check.running = False
        spread = self.spread_percent
        interval = check.interval_s * (100 - spread + 2 * spread * self.uniform()) / 100
        check.deadline += interval
        while check.deadline <= now:
            check.deadline += interval
        return transition
