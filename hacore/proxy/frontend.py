"""A frontend at run time: its compiled routing rules and the backends they name."""

from __future__ import annotations

from hacore.acl.request import RequestView
from hacore.acl.router import Router, compile_router
from hacore.config.haproxy_model import Frontend, Global, Mode
from hacore.http.h1_request import HeadLimits
from hacore.proxy.admission import Admission
from hacore.proxy.backend import RuntimeBackend
from hacore.proxy.errorpages import load_pages, parser_pages
from hacore.proxy.idle import seconds
from hacore.proxy.logsink import LogSinks


class RuntimeFrontend:
    __slots__ = ("access_log", "backends", "config", "door", "limits", "mode", "name", "pages",
                 "parser_pages", "router")

    def __init__(self, config: Frontend, backends: dict[str, RuntimeBackend], global_: Global,
                 door: Admission) -> None:
        self.config = config
        self.name = config.name
        self.mode: Mode = config.settings.mode
        self.router: Router = compile_router(config, frozenset(backends))
        self.backends = backends
        self.pages = load_pages(config.settings.errorfiles)
        self.parser_pages = parser_pages(self.pages)  # for what the H1 layer refuses itself
        self.access_log = LogSinks(config.settings.logs, global_, config.settings.log_tag)
        self.limits = HeadLimits(global_.tune_bufsize, global_.tune_maxhdr)
        # Its sessions (a client or a server connection still open) within `maxconn`.
        self.door = door

    def backend_for(self, request: RequestView) -> RuntimeBackend | None:
        name = self.router.route(request)
        return None if name is None else self.backends.get(name)

    def splice_timeouts(self, backend: RuntimeBackend) -> tuple[
            tuple[float | None, float | None], tuple[float | None, float | None]]:
        """For a spliced session: (client, server) inactivity, then (client-fin, server-fin)."""
        client, tunnel = self.tcp_timeouts()
        fin = self.config.settings.timeouts.client_fin, backend.config.settings.timeouts.server_fin
        return (client, backend.server_timeout(tunnel)), (seconds(fin[0]), seconds(fin[1]))

    def tcp_timeouts(self) -> tuple[float | None, float | None]:
        """(client side, server side) inactivity in seconds; `timeout tunnel` covers both."""
        timeouts = self.config.settings.timeouts
        if timeouts.tunnel:
            return seconds(timeouts.tunnel), seconds(timeouts.tunnel)
        return seconds(timeouts.client), seconds(timeouts.server)
