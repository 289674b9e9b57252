"""The data plane's top level: runtime backends and frontends from the configuration, one
listening server per `bind`, started and stopped together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hacore.config.haproxy_model import HaproxyConfig, Mode
from hacore.proxy.backend import RuntimeBackend
from hacore.proxy.frontend import RuntimeFrontend
from hacore.proxy.listeners import listening_socket
from hacore.proxy.tcp import ClientSide

STOP_TICKS = 100  # loop iterations a stop waits for closing connections to finish


class DataPlane:
    def __init__(self, config: HaproxyConfig) -> None:
        self.backends = {b.name: RuntimeBackend(b) for b in config.backends}
        self.frontends = [RuntimeFrontend(f, self.backends) for f in config.frontends]
        self.servers: list[asyncio.Server] = []

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            for frontend in self.frontends:
                factory = self._factory(frontend)
                for bind in frontend.config.binds:
                    sock = listening_socket(bind)
                    self.servers.append(await loop.create_server(factory, sock=sock))
        except OSError:
            await self.stop()
            raise

    @staticmethod
    def _factory(frontend: RuntimeFrontend) -> Callable[[], asyncio.Protocol]:
        if frontend.mode is Mode.TCP:
            return lambda: ClientSide(frontend)
        raise NotImplementedError(f"frontend '{frontend.name}': mode http is not served yet")

    async def stop(self) -> None:
        """Stop listening and close every connection (their server sides follow)."""
        for server in self.servers:
            server.close()
        for server in self.servers:
            await server.wait_closed()
        self.servers.clear()
        for frontend in self.frontends:
            for session in list(frontend.connections):
                session.close()
        for _ in range(STOP_TICKS):
            if not any(f.connections for f in self.frontends):
                break
            await asyncio.sleep(0)  # let the closes run their connection_lost callbacks
