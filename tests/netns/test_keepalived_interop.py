"""hacore's VRRP speaker and a real keepalived 2.2.7 on one LAN (namespaces), with the
course's VRRPv2 configuration (PASS `secret123`): each hears the other, the backup takes over
within the RFC bounds after a hard kill, after a graceful stop (Skew_Time after priority 0),
and the higher priority preempts back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.netns.lan import LanBuilder, Node, run

pytestmark = [pytest.mark.netns, pytest.mark.interop("keepalived")]

VIP = "198.18.0.100"
REPO = Path(__file__).resolve().parents[2]
CONFIG = """\
global_defs {{
    router_id {name}
}}
vrrp_instance VI_1 {{
    state {state}
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 1
    authentication {{
        auth_type PASS
        auth_pass secret123
    }}
    virtual_ipaddress {{
        198.18.0.100/24
    }}
}}
"""
MASTER_DOWN = 3.609375  # priority 100 backup, 1 s adverts
SKEW = 0.609375
SLACK = 0.15  # scheduling and polling on a shared 2-core machine


def has_vip(node: Node) -> bool:
    links = json.loads(run("ip", "-n", node.namespace, "-j", "addr", "show", "eth0"))
    return any(a.get("local") == VIP for link in links for a in link.get("addr_info", []))


def wait_for(condition: Callable[[], bool], bound: float, what: str) -> float:
    """Poll every 5 ms (netlink state, as the reference lab does) until true; the time."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(0.005)
    raise AssertionError(f"not within {bound}s: {what}")


class Daemons:
    """keepalived and hacore processes of one test, each in its own process group."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.started: list[subprocess.Popen[bytes]] = []

    def _spawn(self, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True, cwd=REPO)
        self.started.append(process)
        return process

    def keepalived(self, node: Node, priority: int, state: str) -> subprocess.Popen[bytes]:
        conf = self.tmp / f"ka-{node.name}.conf"
        conf.write_text(CONFIG.format(name=node.name, state=state, priority=priority))
        pid, vrrp_pid = self.tmp / f"ka-{node.name}.pid", self.tmp / f"ka-{node.name}-vrrp.pid"
        return self._spawn(node.exec_args("keepalived", "-n", "-l", "-D", "-G", "-P", "-f",
                                          str(conf), "-p", str(pid), "-r", str(vrrp_pid)),
                           self.tmp / f"ka-{node.name}.log")

    def hacore(self, node: Node, priority: int, state: str) -> subprocess.Popen[bytes]:
        conf = self.tmp / f"hc-{node.name}.conf"
        conf.write_text(CONFIG.format(name=node.name, state=state, priority=priority))
        return self._spawn(node.exec_args(sys.executable, "-m", "hacore.daemon.vrrp_process",
                                          "-f", str(conf)), self.tmp / f"hc-{node.name}.log")

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def wait_log(self, name: str, text: str, bound: float) -> None:
        wait_for(lambda: text in self.log(name), bound, f"{text!r} in {name}.log")

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[Daemons]:
    group = Daemons(tmp_path)
    try:
        yield group
    finally:
        group.stop_all()


def test_keepalived_master_hacore_backup(lan: LanBuilder, daemons: Daemons) -> None:
    lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
    keepalived = daemons.keepalived(lb1, 101, "MASTER")
    wait_for(lambda: has_vip(lb1), 8, "keepalived takes the VIP")
    daemons.hacore(lb2, 100, "BACKUP")
    daemons.wait_log("hc-lb2", "(VI_1) master 198.18.0.11 priority 101", 5)
    assert not has_vip(lb2)
    fault = time.monotonic()
    os.killpg(keepalived.pid, signal.SIGKILL)  # hard failure: nothing more is sent
    took = wait_for(lambda: has_vip(lb2), MASTER_DOWN + 2, "hacore takes the VIP") - fault
    # The backup's timer was last reset by the last advert, at most 1 s before the fault.
    assert MASTER_DOWN - 1 - SLACK <= took <= MASTER_DOWN + SLACK
    assert "(VI_1) Entering MASTER STATE" in daemons.log("hc-lb2")


def test_hacore_master_keepalived_backup_and_preemption(lan: LanBuilder,
                                                        daemons: Daemons) -> None:
    lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
    hacore = daemons.hacore(lb1, 101, "MASTER")
    wait_for(lambda: has_vip(lb1), 8, "hacore takes the VIP")
    daemons.keepalived(lb2, 100, "BACKUP")
    daemons.wait_log("ka-lb2", "Entering BACKUP STATE", 5)
    # keepalived would take over 3.6 s after starting if it rejected our adverts.
    started = time.monotonic()
    while time.monotonic() - started < MASTER_DOWN + 0.5:
        assert not has_vip(lb2), daemons.log("ka-lb2")
        time.sleep(0.05)
    after_start = daemons.log("ka-lb2").split("Entering BACKUP STATE", 1)[1].lower()
    for complaint in ("auth", "checksum", "interval", "invalid", "ttl", "mismatch", "error"):
        assert complaint not in after_start, after_start
    stop = time.monotonic()
    os.killpg(hacore.pid, signal.SIGTERM)  # graceful: priority 0, then the VIP goes
    took = wait_for(lambda: has_vip(lb2), 3, "keepalived takes over after priority 0") - stop
    assert SKEW - SLACK <= took <= SKEW + SLACK
    assert not has_vip(lb1)
    daemons.hacore(lb1, 101, "MASTER")  # comes back: preempts the lower priority
    wait_for(lambda: has_vip(lb1) and not has_vip(lb2), MASTER_DOWN + 3, "hacore preempts")
