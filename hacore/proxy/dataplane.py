"""The data plane's top level: runtime backends and frontends from the configuration, one
listener per `bind` (admitting sessions within `maxconn`), started and stopped together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hacore.config.haproxy_model import HaproxyConfig, Mode
from hacore.health.checker import BackendChecker, checkers_for
from hacore.proxy.admission import Admission, Listener, Slots, ideal_maxconn, raise_fd_limit
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
        self.global_ = config.global_
        self.backends = {b.name: RuntimeBackend(b) for b in config.backends}
        self.sockets = sum(len(f.binds) for f in config.frontends) + sum(
            len(b.servers) for b in config.backends)  # listening and check sockets
        self.process = Slots(config.global_.maxconn or ideal_maxconn(self.sockets))
        doors: list[Admission] = []
        self.frontends = [
            RuntimeFrontend(f, self.backends, config.global_,
                            Admission(f.settings.maxconn or self.process.limit, self.process, doors))
            for f in config.frontends]
        self.listeners: list[Listener] = []
        self.checkers: list[BackendChecker] = []
        self.purger: asyncio.TimerHandle | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        raise_fd_limit(self.process.limit, self.sockets)
        self.checkers = checkers_for(list(self.backends.values()), self.global_)
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
                    # listener.c listener_backlog(): the bind's, the frontend's, its maxconn
                    backlog = (bind.backlog or frontend.config.settings.backlog
                               or frontend.door.frontend.limit)
                    sock = listening_socket(bind, backlog, frontend.config.settings.smart_accept)
                    listener = Listener(sock, self._factory(
                        loop, frontend, rules, responses, context is not None), context, backlog,
                        bind.maxconn)
                    self.listeners.append(listener)
                    frontend.door.listeners.append(listener)
                    await listener.start()
        except OSError:
            await self.stop()
            raise

    def _response_rules(self, frontend: RuntimeFrontend) -> dict[str, ResponseRules]:
        settings = frontend.config.settings
        rules = {"": ResponseRules(list(settings.http_response_rules), list(settings.acls),
                                   frontend.name)}
        for name, backend in self.backends.items():
            if backend.response_rules:
                rules[name] = ResponseRules(backend.response_rules,
                                            list(backend.config.settings.acls), frontend.name)
        return rules

    @staticmethod
    def _factory(loop: asyncio.AbstractEventLoop, frontend: RuntimeFrontend,
                 rules: RequestRules | None, responses: dict[str, ResponseRules],
                 tls: bool) -> Callable[[Listener], asyncio.Protocol]:
        if rules is None:
            return lambda listener: ClientSide(frontend, listener)
        return lambda listener: HttpClient(loop, frontend, rules, responses, tls,
                                           listener=listener)

    def _purge_idle(self) -> None:
        """Every pool-purge-delay, each server's idle pool sheds half its surplus."""
        for backend in self.backends.values():
            for server in backend.servers:
                for connection in server.idle.purge():
                    connection.close()
        self.purger = asyncio.get_running_loop().call_later(PURGE_DELAY, self._purge_idle)

    async def stop_listening(self) -> None:
        """Close the listening sockets; connections in progress go on (reload)."""
        for listener in self.listeners:
            await listener.close()
        self.listeners.clear()
        for frontend in self.frontends:
            frontend.door.listeners.clear()

    @property
    def sessions(self) -> int:
        return sum(len(f.door.sessions) + len(f.door.waiting) for f in self.frontends)

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
            frontend.door.close_all()
        for _ in range(STOP_TICKS):
            if not self.sessions:
                break
            await asyncio.sleep(0)  # let the closes run their connection_lost callbacks
        for frontend in self.frontends:
            frontend.access_log.close()
