"""The mutable builder behind one `defaults`, `frontend`, `backend` or `listen` section.

Keyword handlers fill a ProxyBuilder; `freeze()` turns it into the frozen model. A new proxy
starts as a copy of the `defaults` section in force (the last one seen, or the one named by
`from`), which is how HAProxy 2.6 inherits defaults (configuration.txt §4 "defaults").
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from hacore.config.errors import Location
from hacore.config.haproxy_model import (
    AclDeclaration,
    Backend,
    Balance,
    Bind,
    ErrorFile,
    ForwardFor,
    Frontend,
    HealthCheck,
    HttpCheckExpect,
    HttpCheckSend,
    HttpRule,
    KeepAliveMode,
    LogTarget,
    Mode,
    ProxySettings,
    Redirect,
    Server,
    StatsPage,
    TcpCheckRule,
    Timeouts,
    UseBackend,
)

FRONTEND_SECTIONS = frozenset({"frontend", "listen"})
BACKEND_SECTIONS = frozenset({"backend", "listen"})


@dataclass(slots=True)
class ProxyBuilder:
    kind: str  # "defaults", "frontend", "backend" or "listen"
    name: str
    location: Location
    mode: Mode = Mode.TCP
    timeouts: dict[str, int] = field(default_factory=dict)
    logs: list[LogTarget] = field(default_factory=list)
    log_tag: str | None = None
    flags: dict[str, bool] = field(default_factory=dict)  # httplog, ..., http-buffer-request
    forwardfor: ForwardFor | None = None
    keep_alive: KeepAliveMode = KeepAliveMode.KEEP_ALIVE
    errorfiles: dict[int, ErrorFile] = field(default_factory=dict)
    maxconn: int | None = None
    backlog: int | None = None
    http_request_rules: list[HttpRule] = field(default_factory=list)
    http_response_rules: list[HttpRule] = field(default_factory=list)
    acls: dict[str, list[AclDeclaration]] = field(default_factory=dict)
    stats: dict[str, Any] | None = None
    binds: list[Bind] = field(default_factory=list)
    use_backends: list[UseBackend] = field(default_factory=list)
    default_backend: str | None = None
    default_backend_location: Location | None = None
    redirects: list[Redirect] = field(default_factory=list)
    servers: list[Server] = field(default_factory=list)
    default_server: dict[str, Any] = field(default_factory=dict)
    balance: Balance = Balance()
    check_kind: str = "tcp"
    check_send: HttpCheckSend = HttpCheckSend()
    check_expects: list[HttpCheckExpect] = field(default_factory=list)
    tcp_check_rules: list[TcpCheckRule] = field(default_factory=list)
    retries: int = 3
    redispatch: int | None = None
    allbackups: bool = False
    fullconn: int | None = None
    http_reuse: str = "safe"

    @property
    def is_frontend(self) -> bool:
        return self.kind in FRONTEND_SECTIONS

    @property
    def is_backend(self) -> bool:
        return self.kind in BACKEND_SECTIONS

    def inherit(self, kind: str, name: str, location: Location) -> ProxyBuilder:
        """A new proxy section starting from this `defaults` section's settings."""
        child = copy.deepcopy(self)
        child.kind, child.name, child.location = kind, name, location
        return child

    def acl_lookup(self) -> dict[str, AclDeclaration]:
        return {name: declarations[0] for name, declarations in self.acls.items()}

    def settings(self) -> ProxySettings:
        stats = None if self.stats is None else StatsPage(**self.stats)
        return ProxySettings(
            mode=self.mode,
            timeouts=Timeouts(**self.timeouts),
            logs=tuple(self.logs),
            log_tag=self.log_tag,
            httplog=self.flags.get("httplog", False),
            tcplog=self.flags.get("tcplog", False),
            dontlognull=self.flags.get("dontlognull", False),
            buffer_request=self.flags.get("http-buffer-request", False),
            smart_accept=self.flags.get("tcp-smart-accept", self.mode is Mode.HTTP),
            forwardfor=self.forwardfor,
            keep_alive=self.keep_alive,
            errorfiles=tuple(self.errorfiles[code] for code in sorted(self.errorfiles)),
            maxconn=self.maxconn,
            backlog=self.backlog,
            http_request_rules=tuple(self.http_request_rules),
            http_response_rules=tuple(self.http_response_rules),
            acls=tuple(acl for group in self.acls.values() for acl in group),
            stats=stats,
        )

    def frontend(self) -> Frontend:
        default_backend = self.default_backend
        if self.kind == "listen" and default_backend is None:
            default_backend = self.name  # a listen section is its own backend
        return Frontend(
            location=self.location,
            name=self.name,
            settings=self.settings(),
            binds=tuple(self.binds),
            use_backends=tuple(self.use_backends),
            default_backend=default_backend,
            default_backend_location=self.default_backend_location,
            redirects=tuple(self.redirects),
        )

    def backend(self) -> Backend:
        return Backend(
            location=self.location,
            name=self.name,
            settings=self.settings(),
            servers=tuple(self.servers),
            balance=self.balance,
            health_check=HealthCheck(
                self.check_kind,
                self.check_send,
                tuple(self.check_expects),
                tuple(self.tcp_check_rules),
            ),
            retries=self.retries,
            redispatch=self.redispatch,
            allbackups=self.allbackups,
            fullconn=self.fullconn,
            http_reuse=self.http_reuse,
        )
