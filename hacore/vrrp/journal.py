"""The VRRP process's log lines: keepalived's wording after a `[VRRP]` tag, on stderr (the
journal under systemd)."""

from __future__ import annotations

import sys


def log(message: str) -> None:
    print(f"[VRRP] {message}", file=sys.stderr, flush=True)
