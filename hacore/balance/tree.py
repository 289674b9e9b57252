"""An ordered set of servers with HAProxy eb32-tree semantics: smallest key first, and among
equal keys the one inserted first. A binary heap with lazy deletion gives O(log n) insert,
remove and first.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field


@dataclass(eq=False, slots=True)
class TreeNode:
    """What a server carries to sit in one tree at a time."""

    key: int = 0
    tree: KeyTree | None = None
    stamp: int = 0  # identifies the live heap entry; older entries are stale


@dataclass(eq=False, slots=True)
class KeyTree:
    heap: list[tuple[int, int, TreeNode]] = field(default_factory=list)
    size: int = 0
    _stamps: itertools.count[int] = field(default_factory=itertools.count)

    def insert(self, node: TreeNode, key: int) -> None:
        if node.tree is not None:
            node.tree.remove(node)
        node.key, node.tree, node.stamp = key, self, next(self._stamps)
        self.size += 1
        if len(self.heap) > 2 * self.size + 16:
            self._compact()
        heapq.heappush(self.heap, (key, node.stamp, node))

    def _compact(self) -> None:
        """Drop stale entries so that the heap stays O(live nodes)."""
        self.heap = [entry for entry in self.heap
                     if entry[2].tree is self and entry[2].stamp == entry[1]]
        heapq.heapify(self.heap)

    def remove(self, node: TreeNode) -> None:
        """Forget `node`; its heap entry becomes stale and is dropped when it surfaces."""
        if node.tree is self:
            node.tree = None
            self.size -= 1

    def first(self) -> TreeNode | None:
        heap = self.heap
        while heap:
            _, stamp, node = heap[0]
            if node.tree is self and node.stamp == stamp:
                return node
            heapq.heappop(heap)
        return None

    def in_order(self) -> list[TreeNode]:
        """Live nodes from first to last (O(n log n): for walks that skip full servers)."""
        return [node for _, stamp, node in sorted(self.heap)
                if node.tree is self and node.stamp == stamp]
