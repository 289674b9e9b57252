"""keepalived 2.2.7's vrrp_sync_group, pure: member instances change state together
(keepalived vrrp_sync.c, vrrp_scheduler.c; checked by a research helper against the installed
keepalived in namespaces). "All instances in the group are MASTER, or all either BACKUP or
FAULT":

- a member whose down timer expires becomes MASTER only when every other member wants to
  (its own timer expired too); until then it stays BACKUP and waits a whole down interval
  again. The last one takes over, logs it, then `VRRP_Group(G1) Syncing instances to MASTER
  state` and the others follow;
- a master that yields to a higher priority takes the other masters to BACKUP with it
  (their addresses go, without priority-0 adverts);
- a member going FAULT takes every other member to FAULT (a master among them sends one
  priority-0 advert; a backup changes silently, its notify still runs); the group leaves
  FAULT only when no member has a fault left, all to BACKUP.

The group's own notify (`notify_master`... in the vrrp_sync_group block, and the generic
`notify` with `GROUP <name> <STATE> 0`) runs after its members'. Actions stay in each member's
queue; the driver drains the member that moved first, then the others in group order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacore.vrrp.actions import GroupNotify, Log, State

if TYPE_CHECKING:
    from hacore.vrrp.machine import VirtualRouter


class SyncGroup:
    def __init__(self, name: str, members: list[VirtualRouter]) -> None:
        self.name = name
        self.members = members
        self.faulted: set[str] = set()  # members whose own tracking is bad
        self.state: State | None = None
        for member in members:
            member.group = self

    def order(self, first: VirtualRouter) -> list[VirtualRouter]:
        """The order in which the driver drains the members after `first` moved."""
        return [first, *(m for m in self.members if m is not first)]

    def may_take_over(self, router: VirtualRouter) -> bool:
        """vrrp_sync_can_goto_master(): every other member wants MASTER too."""
        return all(m.want_master for m in self.members if m is not router)

    def synced(self, first: VirtualRouter, state: State, now: float) -> None:
        """`first` entered `state` by itself: the other members follow."""
        if self.state is state:
            return
        self.state = state
        first.log(f"VRRP_Group({self.name}) Syncing instances to {state.value} state")
        for member in self.order(first)[1:]:
            member.follow(state, now)
        self.order(first)[-1].queue(GroupNotify(self.name, state))

    def fault_changed(self, router: VirtualRouter, fault: bool, now: float) -> bool:
        """A member's own fault went on or off; True when it may leave FAULT now."""
        if fault:
            self.faulted.add(router.settings.name)
            return False
        self.faulted.discard(router.settings.name)
        return not self.faulted

    def log_members(self) -> list[Log]:
        """keepalived's warning for a group of one: kept, but probably not meant."""
        if len(self.members) == 1:
            return [Log(f"Sync group {self.name} has only 1 virtual router(s) - this "
                        "probably isn't what you want")]
        return []
