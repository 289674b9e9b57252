"""HAProxy's health counter (check.c, server.c), exactly: `health` lives in [0, rise+fall-1]
and a server is UP iff health >= rise. A success increments it and, once at rise, jumps to
rise+fall-1 (fully up); a failure decrements it and, once below rise, drops to 0 (fully down).
So `fall` failures take a fully-up server down, `rise` successes bring a down one up, one
success while going down restores full health, one failure while going up loses all progress.

Start: HAProxy 2.6 puts health at `rise` ("start OK but check immediately"): UP, and the first
failure marks it DOWN. `init-state` (HAProxy 3.1) chooses: up (that default), fully-up,
down (first success brings it up) or fully-down (needs `rise` successes).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hacore.config.haproxy_model import InitState


class Transition(enum.Enum):
    UP = "UP"
    DOWN = "DOWN"


@dataclass(slots=True)
class Health:
    rise: int
    fall: int
    health: int

    @classmethod
    def initial(cls, rise: int, fall: int, init_state: InitState = InitState.UP) -> Health:
        start = {InitState.UP: rise, InitState.FULLY_UP: rise + fall - 1,
                 InitState.DOWN: rise - 1, InitState.FULLY_DOWN: 0}[init_state]
        return cls(rise, fall, start)

    @property
    def up(self) -> bool:
        return self.health >= self.rise

    @property
    def fully_up(self) -> bool:
        return self.health == self.rise + self.fall - 1

    @property
    def fully_down(self) -> bool:
        return self.health == 0

    def record(self, success: bool) -> Transition | None:
        """Apply one check result; the transition it causes, if any."""
        was_up = self.up
        if success:
            if self.health < self.rise + self.fall - 1:
                self.health += 1
                if self.health >= self.rise:
                    self.health = self.rise + self.fall - 1
        elif self.health > 0:
            self.health -= 1
            if self.health < self.rise:
                self.health = 0
        if self.up != was_up:
            return Transition.UP if self.up else Transition.DOWN
        return None

    def interval_ms(self, inter: int, fastinter: int | None, downinter: int | None) -> int:
        """srv_getinter(): `inter` when fully up, `downinter` when fully down, `fastinter`
        while in transition or not yet checked; each falls back to `inter`."""
        if self.fully_up:
            return inter
        if self.fully_down and downinter:
            return downinter
        return fastinter or inter
