"""The data plane's top level: runtime backends and frontends from the configuration, one
listening server per `bind`, started and stopped together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hacore.config.haproxy_model import HaproxyConfig, Mode
from hacore.health.checker import BackendChecker, checkers_for
from hacore.proxy.backend import RuntimeBackend
from hacore.proxy.frontend import RuntimeFrontend
from hacore.proxy.http import HttpClient
from hacore.proxy.http_rules import RequestRules, ResponseRules
from hacore.proxy.idle_pool import PURGE_DELAY
from hacore.proxy.listeners import listening_socket
from hacore.proxy.tcp import ClientSide
from hacore.proxy.tls import tls_context

STOP_TICKS = 100  # loop iterations a stop waits for closing connections to finish


class DataPlane:
    def __init__(self, config: HaproxyConfig) -> None:
        self.crt_base = config.global_.crt_base
        self.spread_checks = config.global_.spread_checks
        self.backends = {b.name: RuntimeBackend(b) for b in config.backends}
        self.frontends = [RuntimeFrontend(f, self.backends, config.global_)
                          for f in config.frontends]
        self.servers: list[asyncio.Server] = []
        self.checkers: list[BackendChecker] = []
        self.purger: asyncio.TimerHandle | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.checkers = checkers_for(list(self.backends.values()), self.spread_checks)
        for checker in self.checkers:
            checker.start()
        self.purger = loop.call_later(PURGE_DELAY, self._purge_idle)
        try:
            for frontend in self.frontends:
                rules = (RequestRules(frontend.config, frontend.pages)
                         if frontend.mode is Mode.HTTP else None)
                responses = self._response_rules(frontend)
                for bind in frontend.config.binds:
                    context = tls_context(bind, self.crt_base) if bind.ssl else None
                    sock = listening_socket(bind)
                    self.servers.append(await loop.create_server(
                        self._factory(loop, frontend, rules, responses, context is not None),
                        sock=sock, ssl=context))
        except OSError:
            await self.stop()
            raise

    def _response_rules(self, frontend: RuntimeFrontend) -> dict[str, ResponseRules]:
        settings = frontend.config.settings
        rules = {"": ResponseRules(list(settings.http_response_rules), list(settings.acls))}
        for name, backend in self.backends.items():
            if backend.response_rules:
                rules[name] = ResponseRules(backend.response_rules,
                                            list(backend.config.settings.acls))
        return rules

    @staticmethod
    def _factory(loop: asyncio.AbstractEventLoop, frontend: RuntimeFrontend,
                 rules: RequestRules | None, responses: dict[str, ResponseRules],
                 tls: bool) -> Callable[[], asyncio.Protocol]:
        if rules is None:
            return lambda: ClientSide(frontend)
        return lambda: HttpClient(loop, frontend, rules, responses, tls)

    def _purge_idle(self) -> None:
        """Every pool-purge-delay, each server's idle pool sheds half its surplus."""
        for backend in self.backends.values():
            for server in backend.servers:
                for connection in server.idle.purge():
                    connection.close()
        self.purger = asyncio.get_running_loop().call_later(PURGE_DELAY, self._purge_idle)

    async def stop_listening(self) -> None:
        """Close the listening sockets; connections in progress go on (reload)."""
        for server in self.servers:
            server.close()
        for server in self.servers:
            await server.wait_closed()
        self.servers.clear()

    @property
    def sessions(self) -> int:
        return sum(len(f.connections) for f in self.frontends)

    async def stop(self) -> None:
        """Stop checks and listening, close every connection (their server sides follow)."""
        for checker in self.checkers:
            checker.stop()
        if self.purger is not None:
            self.purger.cancel()
        await self.stop_listening()
        for backend in self.backends.values():
            for server in backend.servers:
                for connection in server.idle.all():
                    connection.close()
        for frontend in self.frontends:
            for session in list(frontend.connections):
                session.close()
        for _ in range(STOP_TICKS):
            if not any(f.connections for f in self.frontends):
                break
            await asyncio.sleep(0)  # let the closes run their connection_lost callbacks
