"""What a VirtualRouter asks its driver to do. The state machine never performs I/O; the
driver drains these in order after every input and executes them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hacore.vrrp.packet import IPAddress


class State(enum.Enum):
    """RFC 5798 §6.4 states, plus keepalived's FAULT."""

    INIT = "INIT"
    BACKUP = "BACKUP"
    MASTER = "MASTER"
    FAULT = "FAULT"


@dataclass(frozen=True, slots=True)
class StateChanged:
    old: State
    new: State
    message: str  # keepalived's wording: "(VI_1) Entering MASTER STATE"


@dataclass(frozen=True, slots=True)
class SendAdvert:
    priority: int  # 0 announces that this master stops (RFC 5798 §6.4.3)


@dataclass(frozen=True, slots=True)
class AddAddresses:
    """Put the virtual addresses on their interfaces."""


@dataclass(frozen=True, slots=True)
class RemoveAddresses:
    """Take the virtual addresses off (also done at start, for a crashed previous run)."""


@dataclass(frozen=True, slots=True)
class SendGratuitous:
    """A burst of gratuitous ARPs (IPv4) or unsolicited neighbour advertisements (IPv6)."""

    count: int


@dataclass(frozen=True, slots=True)
class RunNotify:
    """Run the notify_<state> command and the generic `notify` one for this state."""

    state: State


@dataclass(frozen=True, slots=True)
class NotifyLowerPriority:
    """notify_master_rx_lower_pri: this master heard a lower-priority master."""

    source: IPAddress


@dataclass(frozen=True, slots=True)
class GroupNotify:
    """A vrrp_sync_group reached `state`: run its notify_<state> and generic `notify`."""

    group: str
    state: State


@dataclass(frozen=True, slots=True)
class Log:
    message: str


Action = (StateChanged | SendAdvert | AddAddresses | RemoveAddresses | SendGratuitous
          | RunNotify | NotifyLowerPriority | GroupNotify | Log)
