"""Sessions within maxconn (hacore.proxy.admission): a frontend's limit and the process's,
shared by every frontend; who waits is admitted in arrival order when a slot frees."""

from __future__ import annotations

import resource

import pytest

from hacore.proxy.admission import Admission, Listener, Slots, ideal_maxconn


class Client:
    def __init__(self, name: str, log: list[str], listener: Listener | None = None) -> None:
        self.name, self.log, self.listener = name, log, listener

    def admitted(self) -> None:
        self.log.append(self.name)

    def close(self) -> None:
        self.log.append(f"close {self.name}")


def test_frontend_limit_holds_sessions_until_one_ends() -> None:
    log: list[str] = []
    door = Admission(2, Slots(100), [])
    a, b, c, d = (Client(n, log) for n in "abcd")
    assert [door.admit(s) for s in (a, b, c, d)] == [True, True, False, False]
    assert (door.frontend.used, door.process.used, list(door.waiting)) == (2, 2, [c, d])
    door.release(b)
    assert log == ["c"] and list(door.waiting) == [d]
    door.release(d)  # left while waiting: no slot was held
    assert (door.frontend.used, list(door.waiting)) == (2, [])
    door.release(a)
    door.release(c)
    assert (door.frontend.used, door.process.used, log) == (0, 0, ["c"])


def test_process_limit_is_shared_by_frontends() -> None:
    log: list[str] = []
    process, doors = Slots(2), []
    web, api = Admission(2, process, doors), Admission(2, process, doors)
    a, b, c = Client("a", log), Client("b", log), Client("c", log)
    assert web.admit(a) and api.admit(b)
    assert not web.admit(c)  # web has room, the process has none
    api.release(b)  # a slot freed by the other frontend
    assert log == ["c"] and (web.frontend.used, api.frontend.used, process.used) == (2, 0, 2)


def test_close_all_reaches_waiting_sessions() -> None:
    log: list[str] = []
    door = Admission(1, Slots(10), [])
    door.admit(Client("a", log))
    door.admit(Client("b", log))
    door.close_all()
    assert log == ["close b", "close a"]  # who waits first: no slot is handed out


@pytest.mark.parametrize(("limits", "maxconn"), [
    ((1024, 4096), (4096 - 10 - 3) // 2),  # haproxy uses the larger of soft and hard
    ((1024, resource.RLIM_INFINITY), (1024 - 10 - 3) // 2),
    ((8, 8), 1),
])
def test_ideal_maxconn_halves_the_descriptors_left(
        monkeypatch: pytest.MonkeyPatch, limits: tuple[int, int], maxconn: int) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda _: limits)
    assert ideal_maxconn(10) == maxconn


def test_a_bind_maxconn_holds_its_own_clients_only() -> None:
    """Two sockets of one frontend, the first limited to one session: its second client
    waits, the other socket's clients go in, and the first's waiting client goes in first
    when its slot frees (the listeners are never started: no socket is opened)."""
    log: list[str] = []
    door = Admission(10, Slots(10), [])
    narrow = Listener(None, Client, None, 10, maxconn=1)  # type: ignore[arg-type]
    wide = Listener(None, Client, None, 10)  # type: ignore[arg-type]
    a, b, c = Client("a", log, narrow), Client("b", log, narrow), Client("c", log, wide)
    assert [door.admit(s) for s in (a, b, c)] == [True, False, True]
    assert narrow.slots is not None and narrow.slots.used == 1 and door.frontend.used == 2
    assert narrow.paused and not wide.paused
    door.release(c)
    assert log == []  # c's slot is not narrow's
    door.release(a)
    assert log == ["b"] and narrow.slots.used == 1
