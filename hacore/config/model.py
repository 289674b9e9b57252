"""The whole configuration hacore runs: the HAProxy half, the keepalived half, or both.

Every item carries the `Location` it was read from, so that anything acting on the
configuration later (a failed bind, a missing interface) can name `file:line`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hacore.config.errors import Diagnostic, Location
from hacore.config.haproxy_model import HaproxyConfig
from hacore.config.keepalived_model import KeepalivedConfig

__all__ = ["Config", "Location"]


@dataclass(frozen=True, slots=True)
class Config:
    haproxy: HaproxyConfig | None
    keepalived: KeepalivedConfig | None
    files: tuple[str, ...]
    warnings: tuple[Diagnostic, ...] = ()
