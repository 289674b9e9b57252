"""Tracking weights as keepalived applies them, including the course's `weight 2` scripts,
and the interfaces an instance tracks."""

from __future__ import annotations

import pytest

from hacore.config import load_texts
from hacore.config.keepalived_model import VrrpInstance
from hacore.vrrp.priority import effective_priority, tracked_interfaces


@pytest.mark.parametrize(("base", "tracked", "expected"), [
    (101, [(2, False, True)], (103, False)),      # course lb1, haproxy running
    (100, [(2, False, True)], (102, False)),      # course lb2, haproxy running
    (101, [(2, False, False)], (101, False)),     # lb1's haproxy died: 101 < 102, lb2 preempts
    (101, [(2, False, None)], (101, False)),      # no result yet
    (100, [(-20, False, False)], (80, False)),
    (100, [(-20, False, True)], (100, False)),
    (100, [(10, True, False)], (110, False)),     # reverse: a failing script counts as good
    (100, [(0, False, False)], (100, True)),      # weight 0: failure is FAULT
    (250, [(10, False, True)], (254, False)),     # clamped below the owner's 255
    (5, [(-50, False, False)], (1, False)),
    (255, [(-50, False, False)], (255, False)),   # the owner never moves
])
def test_effective_priority(base: int, tracked: list[tuple[int, bool, bool | None]],
                            expected: tuple[int, bool]) -> None:
    assert effective_priority(base, tracked) == expected


def instance(body: str) -> VrrpInstance:
    text = ("vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n"
            f"    priority 100\n{body}}}\n")
    config = load_texts([("keepalived.conf", text)], env={})
    assert config.keepalived is not None
    return config.keepalived.instances[0]


@pytest.mark.parametrize(("body", "tracked", "logs"), [
    ("    virtual_ipaddress {\n        198.18.0.100/24\n    }\n", {"eth0": (0, False)}, []),
    ("    track_interface {\n        eth0\n        eth1 weight -20\n        eth2 weight 5 reverse\n"
     "    }\n", {"eth0": (0, False), "eth1": (-20, False), "eth2": (5, True)},
     ["(VI_1) Ignoring track_interface eth0 since own interface"]),
    ("    dont_track_primary\n    virtual_ipaddress {\n        198.18.0.100/24\n"
     "        198.18.1.100/24 dev eth3\n        198.18.2.100/24 dev eth4 no_track\n    }\n",
     {"eth3": (0, False)}, []),
])
def test_tracked_interfaces_as_keepalived_builds_them(
        body: str, tracked: dict[str, tuple[int, bool]], logs: list[str]) -> None:
    assert tracked_interfaces(instance(body)) == (tracked, logs)
