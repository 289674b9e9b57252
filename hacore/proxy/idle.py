"""One lazy inactivity timer per connection (architecture.md §3.10): activity only stores a
timestamp; the single TimerHandle fires at the earliest possible expiry, and re-arms itself
for the remaining time when there was activity in between. A paused timer never expires
(the side is not expected to do anything), and changing the timeout re-arms only when the
deadline moves earlier: no timer object per request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def _nothing() -> None:
    pass


def seconds(milliseconds: int | None) -> float | None:
    """A configured timeout (ms, None or 0 when unset) as the timer takes it: None = never."""
    return milliseconds / 1000 if milliseconds else None


class IdleTimer:
    __slots__ = ("_armed", "_expire", "_handle", "_loop", "last_activity", "paused", "timeout")

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float | None,
                 expire: Callable[[], None]) -> None:
        self._loop = loop
        self.timeout = timeout
        self._expire = expire
        self.last_activity = self._loop.time()
        self.paused = False
        self._armed = 0.0
        self._handle: asyncio.TimerHandle | None = None
        if timeout:
            self._arm(self.last_activity + timeout)

    def touch(self) -> None:
        self.last_activity = self._loop.time()

    def retime(self, timeout: float | None) -> None:
        """Counting `timeout` from now (a new phase: keep-alive wait, request, half-close)."""
        self.timeout, self.paused = timeout, False
        self.last_activity = now = self._loop.time()
        if not timeout:
            self.cancel()
        elif self._handle is None or self._armed > now + timeout:
            self.cancel()
            self._arm(now + timeout)

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        """Counting the whole timeout again from now."""
        self.retime(self.timeout)

    def _arm(self, deadline: float) -> None:
        self._armed = deadline
        self._handle = self._loop.call_at(deadline, self._check)

    def _check(self) -> None:
        self._handle = None
        if not self.timeout:
            return
        now = self._loop.time()
        if self.paused:
            self._arm(now + self.timeout)
            return
        deadline = self.last_activity + self.timeout
        if now >= deadline:
            self._expire()
        else:
            self._arm(deadline)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def close(self) -> None:
        """For good, the connection is gone: the callback goes too, so that nothing refers
        back to the connection, which is then freed at once, not by the cycle collector."""
        self.cancel()
        self._expire = _nothing
