"""The order in which decided actions are carried out: one worker per driver, or one shared
by every member of a sync group, so that an advert leaves before the addresses change, the
addresses before the GARPs, and a group's members act (and log) in keepalived's order."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Protocol

from hacore.vrrp.actions import Action


class Executor(Protocol):
    async def run_action(self, action: Action) -> None: ...


class Sequencer:
    def __init__(self) -> None:
        self.pending: deque[tuple[Executor, Action]] = deque()
        self.worker: asyncio.Task[None] | None = None

    def add(self, executor: Executor, action: Action) -> None:
        self.pending.append((executor, action))

    def kick(self) -> None:
        if self.pending and (self.worker is None or self.worker.done()):
            self.worker = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self.pending:
            executor, action = self.pending.popleft()
            await executor.run_action(action)

    async def wait(self) -> None:
        """Until everything queued so far has been carried out."""
        while self.worker is not None and not self.worker.done():
            await self.worker
