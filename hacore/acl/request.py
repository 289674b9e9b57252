"""What a routing decision may read about a request: the seam between the HTTP layer and ACLs.

The data plane provides an object with these attributes (decoded once per request, addresses
once per connection); tests provide a plain dataclass. Addresses are integers so that network
matching is two integer operations, with the family alongside (4 or 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class RequestView(Protocol):
    @property
    def src(self) -> int: ...
    @property
    def src_family(self) -> int: ...
    @property
    def src_port(self) -> int: ...
    @property
    def dst(self) -> int: ...
    @property
    def dst_family(self) -> int: ...
    @property
    def dst_port(self) -> int: ...
    @property
    def method(self) -> str: ...
    @property
    def target(self) -> str:
        """The request-target as received: `/a?b` or `http://host/a?b`."""
    @property
    def path(self) -> str | None:
        """The target's path, before any `?` (scheme and authority of an absolute-form target
        removed); None for a target with no path (`*`). Computed once per request."""
    @property
    def version(self) -> str:
        """`1.0` or `1.1`."""
    @property
    def headers(self) -> Sequence[tuple[str, str]]:
        """(lower-cased name, value) in arrival order."""
    @property
    def ssl(self) -> bool: ...
    @property
    def sni(self) -> str | None: ...
