"""Effective priority from tracked scripts (keepalived vrrp_track.c): a good script with a
positive weight adds it, a bad script with a negative weight subtracts it (`reverse` swaps
good and bad), a bad script with weight 0 puts the instance in FAULT. The result is clamped
to [1, 254]; the address owner's 255 never moves.
"""

from __future__ import annotations

from collections.abc import Iterable

OWNER = 255


def effective_priority(base: int, tracked: Iterable[tuple[int, bool, bool | None]]
                       ) -> tuple[int, bool]:
    """(priority, fault) from (weight, reverse, good) per tracked script; `good` is None
    while a script has no result yet, which neither adds nor subtracts."""
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
