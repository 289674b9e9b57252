"""Check outcomes with HAProxy's status codes and the log lines it prints for transitions
(check.c get_check_status_description(), server.c srv_update_status()), pure formatting."""

from __future__ import annotations

from dataclasses import dataclass

# status → (HAProxy's description, success?)
STATUSES = {
    "L4OK": ("Layer4 check passed", True),
    "L4TOUT": ("Layer4 timeout", False),
    "L4CON": ("Layer4 connection problem", False),
    "L6OK": ("Layer6 check passed", True),
    "L6TOUT": ("Layer6 timeout", False),
    "L6RSP": ("Layer6 invalid response", False),
    "L7OK": ("Layer7 check passed", True),
    "L7OKC": ("Layer7 check conditionally passed", True),
    "L7TOUT": ("Layer7 timeout", False),
    "L7RSP": ("Layer7 invalid response", False),
    "L7STS": ("Layer7 wrong status", False),
}


@dataclass(frozen=True, slots=True)
class CheckResult:
    status: str
    duration_ms: int
    code: int | None = None
    info: str | None = None

    @property
    def success(self) -> bool:
        return STATUSES[self.status][1]

    def reason(self) -> str:
        parts = [f"reason: {STATUSES[self.status][0]}"]
        if self.code is not None:
            parts.append(f"code: {self.code}")
        if self.info:
            parts.append(f'info: "{self.info}"')
        parts.append(f"check duration: {self.duration_ms}ms")
        return ", ".join(parts)


def transition_line(backend: str, server: str, result: CheckResult, *, backup: bool, up: bool,
                    active_left: int, backup_left: int, sessions: int) -> str:
    """`Server http_back/app1 is DOWN, reason: ... 1 active and 1 backup servers left. ...`"""
    who = f"{'Backup ' if backup else ''}Server {backend}/{server}"
    if up:
        return (f"{who} is UP, {result.reason()}. {active_left} active and {backup_left} "
                "backup servers online. 0 sessions requeued, 0 total in queue.")
    return (f"{who} is DOWN, {result.reason()}. {active_left} active and {backup_left} backup "
            f"servers left. {sessions} sessions active, 0 requeued, 0 remaining in queue.")


def no_server_line(backend: str, *, quoted: bool = True) -> str:
    """The alert on stderr quotes the name; the one sent to the logs does not (2.6.12)."""
    name = f"'{backend}'" if quoted else backend
    return f"backend {name} has no server available!"
