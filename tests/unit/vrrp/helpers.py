"""Routers for tests: settings shaped like the course's lb1/lb2, and an in-memory LAN that
carries adverts through the real codec and receive checks (aioquic's transfer/drop)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace

from hacore.vrrp.actions import Action, SendAdvert
from hacore.vrrp.machine import VirtualRouter
from hacore.vrrp.packet import AUTH_PASS, Advertisement, decode, encode
from hacore.vrrp.receive import check_advert
from hacore.vrrp.settings import RouterSettings

GROUP = ipaddress.IPv4Address("224.0.0.18")
VIP = ipaddress.IPv4Address("198.18.0.100")


def settings(priority: int = 100, host: int = 12, **changes: object) -> RouterSettings:
    base = RouterSettings(name="VI_1", vrid=51, priority=priority, version=2, advert_int_cs=100,
                          addresses=(VIP,), primary_address=ipaddress.IPv4Address(f"198.18.0.{host}"),
                          auth_type=AUTH_PASS, auth_data=b"secret12")
    return replace(base, **changes)  # type: ignore[arg-type]


def drain(router: VirtualRouter) -> list[Action]:
    actions = []
    while (action := router.next_action()) is not None:
        actions.append(action)
    return actions


@dataclass
class Lan:
    """Routers on one segment; `down` ones neither send nor hear (a killed node)."""

    routers: dict[str, VirtualRouter]
    down: set[str] = field(default_factory=set)
    log: list[tuple[float, str, Action]] = field(default_factory=list)

    def _flush(self, name: str, now: float) -> None:
        router = self.routers[name]
        for action in drain(router):
            self.log.append((now, name, action))
            if isinstance(action, SendAdvert) and name not in self.down:
                self._transfer(router, action.priority, now)

    def _transfer(self, sender: VirtualRouter, priority: int, now: float) -> None:
        s = sender.settings
        advert = Advertisement(s.version, s.vrid, priority, s.advert_int_cs, s.addresses,
                               s.auth_type, s.auth_data)
        wire = encode(advert, s.primary_address, GROUP)
        for name, receiver in self.routers.items():
            if receiver is sender or name in self.down:
                continue
            received = decode(wire, s.primary_address, GROUP)
            if check_advert(received, 255, s.primary_address, True, receiver.settings) is None:
                receiver.receive(received, s.primary_address, now)
                self._flush(name, now)

    def start(self, name: str, now: float) -> None:
        self.down.discard(name)
        self.routers[name].start(now)
        self._flush(name, now)

    def stop(self, name: str, now: float) -> None:
        self.routers[name].shutdown(now)
        self._flush(name, now)
        self.down.add(name)

    def run_until(self, end: float) -> None:
        """Fire timers in time order up to `end` (bounded: at most 100000 events)."""
        for _ in range(100_000):
            due = [(router.get_timer(), name) for name, router in self.routers.items()
                   if name not in self.down and router.get_timer() is not None]
            if not due:
                return
            deadline, name = min(due)  # type: ignore[type-var]
            assert deadline is not None
            if deadline > end:
                return
            self.routers[name].handle_timer(deadline)
            self._flush(name, deadline)
        raise AssertionError("too many events")

    def states(self) -> dict[str, str]:
        return {name: router.state.value for name, router in self.routers.items()}
