"""`hacore lab`: build the course's network in namespaces, run hacore on both load balancers
with the course's files, kill the master's whole hacore (SIGKILL to its process group, as a
crash or power loss), and measure how long until the backup holds the VIP and until the client
is served again. Several runs, spread over the advertisement cycle; a table at the end.
Everything made is removed afterwards, also on failure or Ctrl-C.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from hacore.lab.files import VIP, haproxy_cfg, keepalived_conf, make_certificate
from hacore.lab.netns import LanBuilder, Node, run

BOUND = 15.0  # seconds any single wait may take
PROBE_INTERVAL = 0.05
# keepalived 2.2.7 measured the same way (../shared/reference/keepalived-failover-baseline.md,
# v2 adv 1 s, kill9): backup took the VIP 3095 ms (2683-3495) after the fault.
KEEPALIVED_TOOK_VIP_MS = 3095


def has_vip(node: Node) -> bool:
    links = json.loads(run("ip", "-n", node.namespace, "-j", "addr", "show", "eth0"))
    return any(a.get("local") == VIP for link in links for a in link.get("addr_info", []))


def wait_for(condition: object, what: str) -> float:
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return time.monotonic()
        time.sleep(0.005)  # 5 ms netlink polling, as the reference lab measured
    raise TimeoutError(f"not within {BOUND:g}s: {what}")


@dataclass
class Outcome:
    took_vip_ms: float
    client_ms: float
    failed_probes: int


class Lab:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.lan = LanBuilder()
        self.processes: list[subprocess.Popen[bytes]] = []

    def spawn(self, node: Node, args: list[str], log: str) -> subprocess.Popen[bytes]:
        with (self.directory / log).open("ab") as out:
            process = subprocess.Popen(node.exec_args(*args), stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self.lan.close()

    def hacore(self, node: Node) -> subprocess.Popen[bytes]:
        files = [self.directory / "haproxy.cfg", self.directory / f"{node.name}.conf"]
        args = [sys.executable, "-m", "hacore", "run"]
        for path in files:
            args += ["-f", str(path)]
        process = self.spawn(node, args, f"{node.name}.log")
        (self.directory / f"{node.name}.pid").write_text(str(process.pid))
        return process

    def once(self, offset: float) -> Outcome:
        lan = self.lan
        lan.open()
        lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
        webs = [lan.add_node(f"web{i}", 20 + i) for i in (1, 2, 3)]
        client = lan.add_node("client", 50)
        for web in webs:
            self.spawn(web, [sys.executable, "-m", "hacore.lab.web", "--name", web.name],
                       f"{web.name}.log")
        master = self.hacore(lb1)
        wait_for(lambda: has_vip(lb1), "lb1 takes the VIP")
        self.hacore(lb2)
        wait_for(lambda: "Entering BACKUP STATE" in (self.directory / "lb2.log").read_text(),
                 "lb2 runs as backup")
        probe = subprocess.Popen(client.exec_args(
            sys.executable, "-m", "hacore.lab.probe", "--vip", VIP, "--duration", "9",
            "--interval", str(PROBE_INTERVAL)), stdout=subprocess.PIPE)
        self.processes.append(probe)
        time.sleep(2.0 + offset)  # steady state, then a fault at a varying point of the cycle
        fault = time.monotonic()
        os.killpg(master.pid, signal.SIGKILL)
        took = wait_for(lambda: has_vip(lb2), "lb2 takes the VIP")
        out, _ = probe.communicate(timeout=BOUND)
        return _outcome(fault, took, out.decode().splitlines())


def _outcome(fault: float, took: float, lines: list[str]) -> Outcome:
    after = [(float(t), status) for t, status, *_ in (line.split(" ", 2) for line in lines)
             if float(t) >= fault]
    served = next((t for t, status in after if status == "ok"), None)
    if served is None:
        raise RuntimeError("the client was never served after the fault")
    failed = sum(1 for t, status in after if status == "fail" and t < served)
    return Outcome((took - fault) * 1000, (served - fault) * 1000, failed)


def prepare(directory: Path) -> None:
    """The course's files adapted to the lab, and a certificate, in `directory`."""
    pem = make_certificate(directory)
    (directory / "haproxy.cfg").write_text(haproxy_cfg(pem))
    for node in ("lb1", "lb2"):
        (directory / f"{node}.conf").write_text(
            keepalived_conf(node, directory, directory / f"{node}.pid"))


def main(runs: int) -> int:
    if os.geteuid() != 0:
        print("hacore lab needs root (network namespaces)", file=sys.stderr)
        return 1
    for tool in ("ip", "openssl"):
        if shutil.which(tool) is None:
            print(f"hacore lab needs '{tool}' (bin/hacore lab installs it)", file=sys.stderr)
            return 1
    directory = Path(tempfile.mkdtemp(prefix="hacore-lab-"))
    prepare(directory)
    outcomes = []
    print(f"hacore lab: course files adapted in {directory}; {runs} run(s), SIGKILL to lb1")
    for number in range(runs):
        lab = Lab(directory)
        try:
            outcome = lab.once(offset=(number + 0.5) / runs)
        finally:
            lab.close()
        outcomes.append(outcome)
        print(f"  run {number + 1}: lb2 took the VIP after {outcome.took_vip_ms:.0f} ms, "
              f"client served again after {outcome.client_ms:.0f} ms "
              f"({outcome.failed_probes} probes failed)")
    _report(outcomes)
    return 0


def _report(outcomes: list[Outcome]) -> None:
    took = [o.took_vip_ms for o in outcomes]
    served = [o.client_ms for o in outcomes]
    print(f"\nlb2 took the VIP: median {statistics.median(took):.0f} ms "
          f"({min(took):.0f}-{max(took):.0f}); RFC window after a kill: 2609-3609 ms")
    print(f"client failover:  median {statistics.median(served):.0f} ms "
          f"({min(served):.0f}-{max(served):.0f})")
    print(f"keepalived 2.2.7 measured the same way: {KEEPALIVED_TOOK_VIP_MS} ms median "
          "(reference/keepalived-failover-baseline.md)")
