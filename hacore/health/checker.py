"""Runs a backend's health checks on the data plane's loop: one TimerHandle at the schedule's
next deadline, one task per probe in flight, results fed to the pure schedule, transitions
applied to the server pool (a DOWN server leaves balancing at once) and logged in HAProxy's
words. A black-holed server costs one bounded probe, not a pile of tasks."""

from __future__ import annotations

import asyncio
import math
import random
import sys

from hacore.config.haproxy_model import Global
from hacore.health.probes import probe
from hacore.health.result import CheckResult, no_server_line, transition_line
from hacore.health.schedule import CheckSchedule, ServerCheck
from hacore.health.state import Health, Transition
from hacore.proxy.backend import RuntimeBackend, RuntimeServer
from hacore.proxy.logsink import LOG_ALERT, LOG_EMERG, LOG_NOTICE, LogSinks


def log(level: str, message: str) -> None:
    print(f"[{level}] {message}", file=sys.stderr, flush=True)


class BackendChecker:
    def __init__(self, backend: RuntimeBackend, global_: Global) -> None:
        self.backend = backend
        settings = backend.config.settings
        # haproxy sends state changes to the backend's log targets as well as to stderr
        self.log = LogSinks(settings.logs, global_, settings.log_tag)
        self.servers: dict[str, RuntimeServer] = {}
        self.results: dict[str, CheckResult] = {}
        checks = []
        for server in backend.servers:
            config = server.config
            if not config.check:
                continue
            health = Health.initial(config.rise, config.fall, config.init_state)
            server.member.up = health.up
            checks.append(ServerCheck(config.name, health, config.inter, config.fastinter,
                                      config.downinter))
            self.servers[config.name] = server
        self.checks = checks
        self._loop = asyncio.get_running_loop()
        self.schedule = CheckSchedule(checks, self._loop.time(), global_.spread_checks,
                                      random.random)
        self._ramps: dict[str, asyncio.Task[None]] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._rearm()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        for task in (*self._tasks, *self._ramps.values()):
            task.cancel()
        self.log.close()

    def _rearm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        deadline = self.schedule.get_timer()
        if deadline is not None:
            self._handle = self._loop.call_at(deadline, self._fire)

    def _fire(self) -> None:
        self._handle = None
        for check in self.schedule.due(self._loop.time()):
            task = self._loop.create_task(self._run(check))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._rearm()

    def _timeouts(self, check: ServerCheck) -> tuple[float, float]:
        """configuration.txt: without `timeout check`, `inter` bounds the whole check; with
        it, min(`timeout connect`, inter) the connect and `timeout check` the answer."""
        timeouts = self.backend.config.settings.timeouts
        inter = check.interval_s
        if timeouts.check:
            connect = min((timeouts.connect or check.inter) / 1000, inter)
            return connect, timeouts.check / 1000
        return inter, inter

    async def _run(self, check: ServerCheck) -> None:
        server = self.servers[check.name]
        config = server.config
        host = config.check_addr or server.address
        port = config.check_port or config.port or 80
        connect_timeout, read_timeout = self._timeouts(check)
        result = await probe(host, port, self.backend.config.health_check, connect_timeout,
                             read_timeout, tls=config.check_ssl)
        self.results[check.name] = result
        transition = self.schedule.finished(check, result.success, self._loop.time())
        if transition is not None:
            self._apply(server, transition is Transition.UP, result)
        self._rearm()

    def _apply(self, server: RuntimeServer, up: bool, result: CheckResult) -> None:
        pool = self.backend.pool
        ramp = self._ramps.pop(server.name, None)
        if ramp is not None:
            ramp.cancel()
        if up and server.config.slowstart:
            pool.update(server.member, up=True, weight=self._ramp_weight(server, 0.0))
            self._ramps[server.name] = self._loop.create_task(self._slowstart(server))
        else:
            pool.update(server.member, up=up, weight=server.config.weight)
        self._shutdown_sessions(server, up)
        self.backend.wake_all()
        members = [s.member for s in self.backend.servers]
        active = sum(1 for m in members if m.usable and not m.backup)
        backups = sum(1 for m in members if m.usable and m.backup)
        line = transition_line(self.backend.name, server.name, result,
                               backup=server.config.backup, up=up, active_left=active,
                               backup_left=backups, sessions=server.member.served)
        log("WARNING", line)
        self.log.emit(line, LOG_NOTICE if up else LOG_ALERT)
        if not active and not backups:
            log("ALERT", no_server_line(self.backend.name))
            self.log.emit(no_server_line(self.backend.name, quoted=False), LOG_EMERG)


    def _shutdown_sessions(self, server: RuntimeServer, up: bool) -> None:
        """`on-marked-down shutdown-sessions`: a server marked down has its sessions closed;
        `on-marked-up shutdown-backup-sessions`: an active server back up closes the
        backups' sessions, so that clients return to it."""
        if not up and server.config.on_marked_down_shutdown:
            victims = list(server.sessions)
        elif up and server.config.on_marked_up_shutdown_backup and not server.config.backup:
            victims = [s for b in self.backend.servers if b.config.backup for s in b.sessions]
        else:
            return
        for session in victims:
            session.close()

    @staticmethod
    def _ramp_weight(server: RuntimeServer, elapsed: float) -> int:
        """slowstart: the weight grows linearly from the moment the server is back up
        (configuration.txt "slowstart"), never below 1 so that it takes some traffic."""
        share = min(1.0, elapsed / (server.config.slowstart / 1000))
        return max(1, math.ceil(server.config.weight * share))

    async def _slowstart(self, server: RuntimeServer) -> None:
        # HAProxy's warm-up task runs every max(1 s, slowstart / 20).
        step = max(1.0, server.config.slowstart / 1000 / 20)
        began = self._loop.time()
        while True:
            await asyncio.sleep(step)
            weight = self._ramp_weight(server, self._loop.time() - began)
            self.backend.pool.update(server.member, weight=weight)
            if weight >= server.config.weight:
                self._ramps.pop(server.name, None)
                return


def checkers_for(backends: list[RuntimeBackend], global_: Global) -> list[BackendChecker]:
    return [BackendChecker(b, global_) for b in backends
            if any(s.config.check for s in b.servers)]


