"""keepalived and hacore processes for namespace tests, each in its own process group so
that a test can kill a whole daemon, and helpers that wait on netlink state with a bound."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hacore.lab.netns import Node, run

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
{extra}}}
"""
MASTER_DOWN = 3.609375  # priority 100 backup, 1 s adverts
SKEW = 0.609375
SLACK = 0.15  # scheduling and polling on a shared 2-core machine


def has_address(node: Node, address: str) -> bool:
    """Whether `address` (IPv4 or IPv6) is on the node's eth0 now."""
    links = json.loads(run("ip", "-n", node.namespace, "-j", "addr", "show", "eth0"))
    return any(a.get("local") == address for link in links for a in link.get("addr_info", []))


def has_vip(node: Node) -> bool:
    return has_address(node, VIP)


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

    def spawn(self, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True, cwd=REPO)
        self.started.append(process)
        return process

    def keepalived(self, node: Node, priority: int, state: str, extra: str = "",
                   template: str = CONFIG) -> subprocess.Popen[bytes]:
        conf = self.tmp / f"ka-{node.name}.conf"
        conf.write_text(template.format(name=node.name, state=state, priority=priority,
                                        extra=extra))
        pid, vrrp_pid = self.tmp / f"ka-{node.name}.pid", self.tmp / f"ka-{node.name}-vrrp.pid"
        return self.spawn(node.exec_args("keepalived", "-n", "-l", "-D", "-G", "-P", "-f",
                                          str(conf), "-p", str(pid), "-r", str(vrrp_pid)),
                           self.tmp / f"ka-{node.name}.log")

    def hacore(self, node: Node, priority: int, state: str, extra: str = "",
               template: str = CONFIG) -> subprocess.Popen[bytes]:
        conf = self.tmp / f"hc-{node.name}.conf"
        conf.write_text(template.format(name=node.name, state=state, priority=priority,
                                        extra=extra))
        return self.spawn(node.exec_args(sys.executable, "-m", "hacore.daemon.vrrp_process",
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
