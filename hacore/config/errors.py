"""Configuration diagnostics: every message names `file:line`, HAProxy style.

A parse never stops at the first problem: parsers append to a `Diagnostics` list and `load()`
raises one `ConfigError` carrying all of them, as `haproxy -c` reports every error of a file in
one run. Messages read as HAProxy 2.6 prints them:
`[ALERT] parsing [haproxy.cfg:42] : unknown keyword 'balanec' in 'backend' section; ...`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value came from: the file as named by the user, and a 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class Severity(enum.Enum):
    WARNING = "WARNING"
    ALERT = "ALERT"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    location: Location | None
    message: str

    def __str__(self) -> str:
        if self.location is None:
            return f"[{self.severity.value}] {self.message}"
        return f"[{self.severity.value}] parsing [{self.location}] : {self.message}"


@dataclass(slots=True)
class Diagnostics:
    """Collects warnings and alerts while a whole configuration is read."""

    items: list[Diagnostic] = field(default_factory=list)

    def alert(self, location: Location | None, message: str) -> None:
        self.items.append(Diagnostic(Severity.ALERT, location, message))

    def warn(self, location: Location | None, message: str) -> None:
        self.items.append(Diagnostic(Severity.WARNING, location, message))

    @property
    def has_alerts(self) -> bool:
        return any(d.severity is Severity.ALERT for d in self.items)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.items if d.severity is Severity.WARNING)


class ConfigError(Exception):
    """The configuration cannot be used; `diagnostics` holds every warning and alert found."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))

    @property
    def alerts(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ALERT)
