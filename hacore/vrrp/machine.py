"""The VRRP state machine of one virtual router (RFC 5798 §6.4, RFC 3768 §6.4), with
keepalived 2.2.7's choices where the RFCs leave room. Sans-IO: inputs carry `now` (seconds,
the driver's loop clock), outputs are actions drained with `next_action()`, and the driver arms
one timer at `get_timer()` and calls `handle_timer(now)` when it fires.

keepalived's choices kept here: every router starts BACKUP (even `state MASTER`) unless it owns
the addresses (priority 255); a master that hears a lower priority answers with an advert at
once (RFC 9568 §6.4.3, unless `lower_prio_no_advert`) and a GARP burst; `preempt_delay` lets
lower-priority adverts hold the backup for that long; `down_timer_adverts` scales the down timer.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from hacore.vrrp.actions import (
    Action,
    AddAddresses,
    Log,
    NotifyLowerPriority,
    RemoveAddresses,
    RunNotify,
    SendAdvert,
    SendGratuitous,
    State,
    StateChanged,
)
from hacore.vrrp.packet import Advertisement, IPAddress
from hacore.vrrp.settings import RouterSettings
from hacore.vrrp.timers import master_down_interval_us, seconds, skew_time_us

if TYPE_CHECKING:
    from hacore.vrrp.sync_group import SyncGroup

OWNER_PRIORITY = 255
# The transitions the RFC and keepalived allow; anything else is a bug, logged as such.
TRANSITIONS = {
    State.INIT: {State.BACKUP, State.MASTER, State.FAULT},
    State.BACKUP: {State.MASTER, State.FAULT, State.INIT},
    State.MASTER: {State.BACKUP, State.FAULT, State.INIT},
    State.FAULT: {State.BACKUP, State.MASTER, State.INIT},
}


class VirtualRouter:
    def __init__(self, settings: RouterSettings) -> None:
        self.settings = settings
        self.state = State.INIT
        self.priority = settings.priority  # effective priority (tracking may move it)
        self.master_adver_int_cs = settings.advert_int_cs
        self.transitions: dict[tuple[State, State], int] = {}
        self._actions: deque[Action] = deque()
        self._down_deadline: float | None = None
        self._advert_deadline: float | None = None
        self._garp_deadline: float | None = None
        self._preempt_deadline: float | None = None
        self.group: SyncGroup | None = None
        self.want_master = False  # its down timer expired (what a sync group waits for)

    # -- outputs ---------------------------------------------------------------------------

    def next_action(self) -> Action | None:
        return self._actions.popleft() if self._actions else None

    def get_timer(self) -> float | None:
        deadlines = [d for d in (self._down_deadline, self._advert_deadline,
                                 self._garp_deadline) if d is not None]
        return min(deadlines) if deadlines else None

    # -- timers ----------------------------------------------------------------------------

    @property
    def skew_time_us(self) -> int:
        return skew_time_us(self.settings.version, self._skew_priority, self.master_adver_int_cs)

    @property
    def master_down_interval_us(self) -> int:
        return master_down_interval_us(self.settings.version, self._skew_priority,
                                       self.master_adver_int_cs, self.settings.down_timer_adverts)

    @property
    def _skew_priority(self) -> int:
        """keepalived computes skew from the effective priority, the owner's stays 255."""
        return self.settings.priority if self.settings.priority == OWNER_PRIORITY else self.priority

    def _arm_down_timer(self, now: float, microseconds: int) -> None:
        self._down_deadline = now + seconds(microseconds)

    def _arm_advert_timer(self, now: float) -> None:
        self._advert_deadline = now + seconds(self.settings.advert_int_cs * 10_000)

    # -- inputs ----------------------------------------------------------------------------

    def start(self, now: float, fault: str | None = None) -> None:
        """RFC 5798 §6.4.1: the owner becomes Master at once, every other router Backup and
        waits Master_Down_Interval. Stale addresses of a crashed run are removed first.
        `fault` names why the router cannot run (a tracked interface down): it starts in
        FAULT, logged as keepalived's vrrp_complete_init() logs it."""
        self._actions.append(RemoveAddresses())
        if fault is not None:
            name = self.settings.name
            self._actions.append(Log(f"({name}): entering FAULT state ({fault})"))
            self._change_state(State.FAULT, "", f"({name}) entering FAULT state")
            self._actions.append(RunNotify(State.FAULT))
        elif self.settings.priority == OWNER_PRIORITY and self.settings.start_as_master:
            self._become_master(now, "(owner)")
        else:
            self.master_adver_int_cs = self.settings.advert_int_cs
            self._change_state(State.BACKUP, "(init)")
            self._arm_down_timer(now, self.master_down_interval_us)
            self._actions.append(RunNotify(State.BACKUP))

    def handle_timer(self, now: float) -> None:
        if self.state is State.BACKUP and self._due(self._down_deadline, now):
            self.want_master = True
            if self.group is not None and not self.group.may_take_over(self):
                # keepalived vrrp_state_goto_master(): stay Backup until every member of
                # the sync group wants Master, a whole down interval at a time.
                self._arm_down_timer(now, self.master_down_interval_us)
                return
            self._become_master(now, "")
            if self.group is not None:
                self.group.synced(self, State.MASTER, now)
            return
        if self.state is not State.MASTER:
            return
        if self._due(self._advert_deadline, now):
            self._actions.append(SendAdvert(self.priority))
            self._arm_advert_timer(now)
        if self._due(self._garp_deadline, now):
            self._actions.append(SendGratuitous(self.settings.garp_repeat))
            refresh = self.settings.garp_refresh_us
            self._garp_deadline = now + seconds(refresh) if refresh else None

    @staticmethod
    def _due(deadline: float | None, now: float) -> bool:
        return deadline is not None and now >= deadline

    def receive(self, advert: Advertisement, source: IPAddress, now: float) -> None:
        """An advertisement for our VRID that passed the receive checks (receive.py)."""
        if self.state is State.BACKUP:
            self._backup_receive(advert, now)
        elif self.state is State.MASTER:
            self._master_receive(advert, source, now)

    def _backup_receive(self, advert: Advertisement, now: float) -> None:
        settings = self.settings
        if advert.priority == 0:
            # RFC 5798 §6.4.2: "If the Priority in the ADVERTISEMENT is zero, then: Set the
            # Master_Down_Timer to Skew_Time".
            self._arm_down_timer(now, self.skew_time_us)
            return
        if not settings.preempt or advert.priority >= self.priority:
            self._preempt_deadline = None  # keepalived: "stop preempt delay"
        if (not settings.preempt or advert.priority >= self.priority
                or self._preempt_delayed(now)):
            self.want_master = False
            # §6.4.2: "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is
            # greater than or equal to the local Priority": (v3) adopt the Master's interval,
            # recompute, reset the Master_Down_Timer.
            if settings.version == 3:
                self.master_adver_int_cs = advert.interval_cs
            self._arm_down_timer(now, self.master_down_interval_us)
            return
        # §6.4.2 "Otherwise: Discard the ADVERTISEMENT": the timer runs on, we will preempt.
        self._actions.append(Log(f"({settings.name}) received lower priority "
                                 f"({advert.priority}) advert - discarding"))

    def _preempt_delayed(self, now: float) -> bool:
        """keepalived's preempt_delay: lower-priority adverts keep us Backup until it ends."""
        if not self.settings.preempt_delay_us:
            return False
        if self._preempt_deadline is None:
            self._preempt_deadline = now + seconds(self.settings.preempt_delay_us)
            self._actions.append(Log(f"({self.settings.name}) start preempt delay "
                                     f"({seconds(self.settings.preempt_delay_us):g}s)"))
        return now < self._preempt_deadline

    def _master_receive(self, advert: Advertisement, source: IPAddress, now: float) -> None:
        settings = self.settings
        if advert.priority == 0:
            # §6.4.3: "If the Priority in the ADVERTISEMENT is zero, then: Send an
            # ADVERTISEMENT; Reset the Adver_Timer".
            self._actions.append(SendAdvert(self.priority))
            self._arm_advert_timer(now)
            return
        higher = advert.priority > self.priority or (
            advert.priority == self.priority
            and int(source) > int(settings.primary_address))
        if higher:
            # §6.4.3: a higher priority, or the same one from a greater primary address
            # (unsigned compare in network order, RFC 9568): become Backup.
            if settings.version == 3:
                self.master_adver_int_cs = advert.interval_cs
            self._leave_master(now)
            if self.group is not None:
                self.group.synced(self, State.BACKUP, now)
            return
        # RFC 9568 §6.4.3: otherwise send an ADVERTISEMENT immediately so that the other
        # master gives way and learning bridges see us; keepalived adds a GARP burst.
        self._actions.append(Log(f"({settings.name}) Received advert from {source} with "
                                 f"lower priority {advert.priority}, ours {self.priority}, "
                                 "forcing new election"))
        if not settings.lower_prio_no_advert:
            self._actions.append(SendAdvert(self.priority))
            self._arm_advert_timer(now)
        if settings.garp_lower_prio_repeat:
            self._actions.append(SendGratuitous(settings.garp_lower_prio_repeat))
        self._actions.append(NotifyLowerPriority(source))

    def _leave_master(self, now: float) -> None:
        """To Backup without a priority-0 advert (a higher master, or a sync group)."""
        self.want_master = False
        self._advert_deadline = self._garp_deadline = None
        self._change_state(State.BACKUP, "")
        self._actions.append(RemoveAddresses())
        self._arm_down_timer(now, self.master_down_interval_us)
        self._actions.append(RunNotify(State.BACKUP))

    def follow(self, state: State, now: float) -> None:
        """Its sync group moved to `state` (vrrp_sync.c vrrp_sync_master/backup/fault)."""
        if state is State.MASTER and self.state is State.BACKUP:
            self._become_master(now, "")
        elif state is State.BACKUP and self.state is State.MASTER:
            self._leave_master(now)
        elif state is State.BACKUP and self.state is State.FAULT:
            self._leave_fault(now)
        elif state is State.FAULT and self.state is State.MASTER:
            self._enter_fault(adverts=1)
        elif state is State.FAULT and self.state in (State.BACKUP, State.INIT):
            # A backup is set to FAULT directly: no "Entering FAULT STATE" line, its notify
            # still runs (vrrp_sync_fault() then vrrp_state_leave_fault()).
            self._down_deadline = None
            self.state, self.want_master = State.FAULT, False
            self._actions.append(RunNotify(State.FAULT))

    def log(self, message: str) -> None:
        self._actions.append(Log(message))

    def queue(self, action: Action) -> None:
        self._actions.append(action)

    def shutdown(self, now: float) -> None:
        """RFC 5798 §6.4.3 "Shutdown": a Master sends an advert with priority 0 so that a
        Backup takes over after Skew_Time, then removes the addresses."""
        if self.state is State.MASTER:
            self._actions.append(SendAdvert(0))
            self._actions.append(RemoveAddresses())
        if self.state is not State.INIT:
            self._change_state(State.INIT, "")
            self._actions.append(RunNotify(State.INIT))
        self._down_deadline = self._advert_deadline = self._garp_deadline = None

    def set_fault(self, fault: bool, now: float) -> None:
        """A tracked interface or weight-0 script went bad (True) or good again (False).

        keepalived vrrp_state_leave_master(vrrp, true): a Master logs the state, sends a
        priority-0 advert, and vrrp_restore_interface() sends a second one before the
        addresses go (two adverts on the wire, no GARP). Leaving FAULT is always to Backup
        (try_up_instance()), except for an owner configured MASTER, which takes over."""
        if self.group is not None:
            may_leave = self.group.fault_changed(self, fault, now)
            if (fault and self.state is State.FAULT) or (not fault and not may_leave):
                return  # already in FAULT with its group, or another member still faulty
        if fault and self.state in (State.BACKUP, State.MASTER):
            self._enter_fault(adverts=2)
            if self.group is not None:
                self.group.synced(self, State.FAULT, now)
        elif not fault and self.state is State.FAULT:
            if self.settings.priority == OWNER_PRIORITY and self.settings.start_as_master:
                self._become_master(now, "")
                return
            self._leave_fault(now)
            if self.group is not None:
                self.group.synced(self, State.BACKUP, now)

    def _enter_fault(self, adverts: int) -> None:
        was_master = self.state is State.MASTER
        self._down_deadline = self._advert_deadline = self._garp_deadline = None
        self.want_master = False
        self._change_state(State.FAULT, "")
        if was_master:
            self._actions.extend([SendAdvert(0)] * adverts)
            self._actions.append(RemoveAddresses())
        self._actions.append(RunNotify(State.FAULT))

    def _leave_fault(self, now: float) -> None:
        self.master_adver_int_cs = self.settings.advert_int_cs
        self._change_state(State.BACKUP, "")
        self._arm_down_timer(now, self.master_down_interval_us)
        self._actions.append(RunNotify(State.BACKUP))

    def set_priority(self, priority: int, now: float) -> None:
        """The effective priority from tracking; it takes effect at the next advert or timer
        reset (keepalived vrrp_set_effective_priority())."""
        if priority != self.priority:
            self._actions.append(Log(f"({self.settings.name}) Changing effective priority "
                                     f"from {self.priority} to {priority}"))
            self.priority = priority

    # -- the one place state changes ----------------------------------------------------------

    def _become_master(self, now: float, detail: str) -> None:
        """keepalived vrrp_state_master_tx(): the advert goes first, so that the old master
        removes the addresses before our gratuitous ARPs announce them."""
        self._down_deadline = None
        self._preempt_deadline = None
        self._change_state(State.MASTER, detail)
        self._actions.append(SendAdvert(self.priority))
        self._actions.append(AddAddresses())
        self._actions.append(SendGratuitous(self.settings.garp_repeat))
        self._actions.append(RunNotify(State.MASTER))
        self._arm_advert_timer(now)
        delay = self.settings.garp_delay_us or self.settings.garp_refresh_us
        self._garp_deadline = now + seconds(delay) if delay else None

    def _change_state(self, new: State, detail: str, message: str | None = None) -> None:
        old = self.state
        if new not in TRANSITIONS[old]:
            self._actions.append(Log(f"({self.settings.name}) this is a bug: {old.value} -> "
                                     f"{new.value} is not a VRRP transition"))
            return
        self.state = new
        self.transitions[(old, new)] = self.transitions.get((old, new), 0) + 1
        words = "STOP" if new is State.INIT else f"{new.value} STATE"
        suffix = f" {detail}" if detail else ""
        self._actions.append(StateChanged(old, new, message or f"({self.settings.name}) "
                                                               f"Entering {words}{suffix}"))
