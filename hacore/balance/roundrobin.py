"""`balance roundrobin`: HAProxy's "fast weighted round robin" (src/lb_fwrr.c), reproduced
step for step so that the same weights give the same server order as HAProxy 2.6 (checked
against sequences recorded from haproxy 2.6.12, tests/vectors/haproxy-2.6/lb-sequences.json).

Each server has a next position `npos` in a window of `curr_weight` slots; the `curr` tree
orders servers by that position, `init` holds servers waiting to enter the window (heaviest
first) and `next` those pushed to the following window. Weights may change at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hacore.balance.base import BE_WEIGHT_SCALE, SRV_EWGHT_MAX, SRV_UWGHT_RANGE, PoolServer
from hacore.balance.tree import KeyTree, TreeNode


@dataclass(eq=False, slots=True)
class _Position(TreeNode):
    server: PoolServer | None = None
    eweight: int = 0  # effective weight as last accounted in the group's next_weight
    npos: int = 0
    lpos: int = 0
    rweight: int = 0


@dataclass(eq=False, slots=True)
class RoundRobin:
    curr: KeyTree = field(default_factory=KeyTree)
    init: KeyTree = field(default_factory=KeyTree)
    next: KeyTree = field(default_factory=KeyTree)
    curr_pos: int = 0
    curr_weight: int = 0
    next_weight: int = 0

    @classmethod
    def create(cls, servers: list[PoolServer]) -> RoundRobin:
        """fwrr_init_server_groups(): usable servers enter `init`, heaviest first."""
        group = cls()
        for server in servers:
            server.lb = _Position(server=server)
        usable = [s for s in servers if s.usable]
        total = sum(s.weight * BE_WEIGHT_SCALE for s in usable)
        group.curr_pos = group.curr_weight = group.next_weight = total
        for server in usable:
            position = _node(server)
            position.eweight = server.weight * BE_WEIGHT_SCALE
            group.init.insert(position, SRV_EWGHT_MAX - position.eweight)
        return group

    def _queue_by_weight(self, tree: KeyTree, position: _Position) -> None:
        tree.insert(position, SRV_EWGHT_MAX - position.eweight)

    def _queue(self, position: _Position) -> None:
        """fwrr_queue_srv(): back into the window at its next position, or into `next` when
        that position falls beyond this window and the theoretical next one."""
        if (position.npos >= 2 * self.curr_weight
                or position.npos >= self.curr_weight + self.next_weight):
            position.npos -= self.curr_weight
            self._queue_by_weight(self.next, position)
        else:
            key = (SRV_UWGHT_RANGE * position.npos
                   + (SRV_EWGHT_MAX + position.rweight - position.eweight) // BE_WEIGHT_SCALE)
            self.curr.insert(position, key)

    def _update_position(self, position: _Position) -> None:
        """fwrr_update_position(): the server consumed one slot."""
        if not position.npos:
            position.npos = self.curr_pos
        position.lpos = position.npos
        position.npos += self.next_weight // position.eweight
        position.rweight += self.next_weight % position.eweight
        if position.rweight >= position.eweight:
            position.rweight -= position.eweight
            position.npos += 1

    def _from_group(self) -> _Position | None:
        """fwrr_get_server_from_group(): the first of `curr` unless it is ahead of the
        current position (a hole), in which case a server waiting in `init` goes first."""
        first = self.curr.first()
        if isinstance(first, _Position) and first.npos <= self.curr_pos:
            return first
        waiting = self.init.first()
        if isinstance(waiting, _Position):
            self.init.remove(waiting)
            waiting.npos = waiting.rweight = 0
            return waiting
        return first if isinstance(first, _Position) else None

    def _switch_trees(self) -> None:
        self.init, self.next = self.next, self.init
        self.curr_weight = self.next_weight
        self.curr_pos = self.curr_weight

    def pick(self, key: int | None, avoid: PoolServer | None) -> PoolServer | None:
        """fwrr_get_next_server(): full and avoided servers are set aside and requeued as if
        consumed; the avoided one is used only when nothing else can be."""
        switched = False
        avoided: _Position | None = None
        set_aside: list[_Position] = []
        chosen: _Position | None = None
        while chosen is None:
            if not self.curr_weight:
                self.curr_pos = self.curr_weight = self.next_weight
            position = self._from_group()
            if position is None:
                if switched:
                    chosen = avoided
                    break
                switched = True
                self._switch_trees()
                continue
            self._update_position(position)
            if position.tree is not None:
                position.tree.remove(position)
            self.curr_pos += 1
            server = position.server
            assert server is not None  # every queued position belongs to a server
            if not server.full:
                if server is not avoid or avoided is not None:
                    chosen = position
                    break
                avoided = position
            set_aside.append(position)
        if chosen is not None:
            self._queue(chosen)
        self._requeue(set_aside, chosen, switched)
        return None if chosen is None else chosen.server

    def _requeue(self, set_aside: list[_Position], chosen: _Position | None,
                 switched: bool) -> None:
        for position in set_aside:
            if position is chosen:
                continue
            if switched:  # their place in the old window is lost: only their weight counts
                self._queue_by_weight(self.init, position)
            else:
                self._queue(position)

    def server_up(self, server: PoolServer) -> None:
        """fwrr_set_server_status_up()."""
        position = _node(server)
        position.eweight = server.weight * BE_WEIGHT_SCALE
        self.next_weight += position.eweight
        self._prepare(position)
        position.npos = self.curr_pos + (
            self.next_weight + self.curr_weight - self.curr_pos) // position.eweight
        self._queue(position)

    def server_down(self, server: PoolServer) -> None:
        """fwrr_set_server_status_down()."""
        position = _node(server)
        self.next_weight -= position.eweight
        if position.tree is not None:
            position.tree.remove(position)

    def weight_changed(self, server: PoolServer, old_weight: int) -> None:
        """fwrr_update_server_weight() for a server that stays usable: keep its progress in
        the window, moved to where the new weight puts it."""
        position = _node(server)
        new_eweight = server.weight * BE_WEIGHT_SCALE
        self.next_weight += new_eweight - position.eweight
        position.eweight = new_eweight
        if position.tree is self.init:
            self._queue_by_weight(self.init, position)
            return
        self._prepare(position)
        step = self.next_weight // new_eweight
        previous_next = position.npos
        position.npos = min(position.lpos + step, previous_next)
        position.rweight = 0
        if position.npos < self.curr_pos + 2:
            position.npos = self.curr_pos + step
        self._queue(position)

    def _prepare(self, position: _Position) -> None:
        """fwrr_get_srv(): a server taken out of `next` gets its window offset back."""
        if position.tree is self.next:
            position.npos += self.curr_weight
        if position.tree is not None:
            position.tree.remove(position)

    def take_conn(self, server: PoolServer) -> None:
        """Round robin does not look at connection counts."""

    def drop_conn(self, server: PoolServer) -> None:
        """Round robin does not look at connection counts."""


def _node(server: PoolServer) -> _Position:
    position = server.lb
    assert isinstance(position, _Position)  # create() gave every server one
    return position
