"""One lazy inactivity timer per connection (architecture.md §3.10): activity only stores a
timestamp; the single TimerHandle fires at the earliest possible expiry, and re-arms itself
for the remaining time when there was activity in between."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def seconds(milliseconds: int | None) -> float | None:
    """A configured timeout (ms, None or 0 when unset) as the timer takes it: None = never."""
    return milliseconds / 1000 if milliseconds else None


class IdleTimer:
    __slots__ = ("_expire", "_handle", "_loop", "last_activity", "timeout")

    def __init__(self, timeout: float | None, expire: Callable[[], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self.timeout = timeout
        self._expire = expire
        self.last_activity = self._loop.time()
        self._handle: asyncio.TimerHandle | None = None
        if timeout:
            self._handle = self._loop.call_at(self.last_activity + timeout, self._check)

    def touch(self) -> None:
        self.last_activity = self._loop.time()

    def _check(self) -> None:
        assert self.timeout is not None  # armed only with a timeout
        deadline = self.last_activity + self.timeout
        if self._loop.time() >= deadline:
            self._handle = None
            self._expire()
        else:
            self._handle = self._loop.call_at(deadline, self._check)

    def restart(self, timeout: float) -> None:
        """A new inactivity timeout from now (a half-closed side moving to its -fin one)."""
        self.cancel()
        self.timeout = timeout
        self.last_activity = self._loop.time()
        self._handle = self._loop.call_at(self.last_activity + timeout, self._check)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
