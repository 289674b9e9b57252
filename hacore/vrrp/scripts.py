"""Notify and track scripts (keepalived.conf(5) "notify_*", "vrrp_script"), run without a
shell from the command line split as keepalived splits it, never blocking the VRRP loop: each
runs as an asyncio subprocess with a timeout and is killed when it overruns.

Track-script results follow keepalived's counter (vrrp_scheduler.c): a value in
[0, rise + fall - 1] starting at rise - 1, so one success makes a script good and, from the
start, one failure makes it bad; afterwards `rise` successes or `fall` failures are needed.
"""

from __future__ import annotations

import asyncio
import enum
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from hacore.config.keepalived_model import VrrpScript
from hacore.vrrp.journal import log

NOTIFY_TIMEOUT = 30.0  # seconds: a notify script that hangs is killed after this


class ScriptState(enum.Enum):
    INIT = "INIT"
    GOOD = "GOOD"
    BAD = "BAD"


async def run_command(command: str, extra: tuple[str, ...], timeout: float) -> int | None:
    """Exit status, or None when the command could not start or overran its timeout."""
    try:
        argv = [*shlex.split(command), *extra]
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
    except (OSError, ValueError) as error:
        log(f"cannot run '{command}': {error}")
        return None
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        log(f"'{command}' did not finish within {timeout:g}s and was killed")
        return None


@dataclass(slots=True)
class TrackedScript:
    script: VrrpScript
    on_change: Callable[[], None]
    result: int = 0
    state: ScriptState = ScriptState.INIT
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.result = 0 if self.script.init_fail else self.script.rise - 1
        self.state = ScriptState.BAD if self.script.init_fail else ScriptState.INIT

    def record(self, success: bool) -> None:
        rise, fall = self.script.rise, self.script.fall
        if success:
            if self.result < rise - 1:
                self.result += 1
                return
            self.result = rise + fall - 1
            self._set(ScriptState.GOOD)
        else:
            if self.result > rise:
                self.result -= 1
                return
            self.result = 0
            self._set(ScriptState.BAD)

    def _set(self, state: ScriptState) -> None:
        if state is not self.state:
            outcome = "0" if state is ScriptState.GOOD else "failure"
            log(f"Script `{self.script.name}` now returning {outcome} ({state.value})")
            self.state = state
            self.on_change()

    async def run_forever(self) -> None:
        timeout = self.script.timeout or self.script.interval
        while True:
            status = await run_command(self.script.command, (), timeout)
            self.record(status == 0)
            await asyncio.sleep(self.script.interval)

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run_forever())

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
