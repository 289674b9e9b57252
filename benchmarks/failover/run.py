"""hacore's VRRP speaker and keepalived 2.2.7 through the same failovers in one run, the
method of ../shared/reference/keepalived-failover-baseline.md: two nodes on a namespace LAN,
lb1 master (priority 101), lb2 backup (100); faults on lb1 at points spread over the advert
cycle: kill -9 of the daemon's process group, SIGTERM (priority 0), link down. Reported per
speaker, median (min-max), side by side: ms from the fault until lb2 holds the VIP (netlink
state polled every 5 ms), and, on the wire (the LAN bridge's kernel timestamps, wire.py),
how late lb2's first advert comes after Master_Down_Interval from lb1's last advert (or after
Skew_Time from its priority-0 advert). A last row repeats v2 with busy loops on every core of
lb2. Root only; everything is removed afterwards.

Run: .venv/bin/python benchmarks/failover/run.py [--repetitions 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hacore.lab.netns import LanBuilder, Node, run

ROOT = Path(__file__).resolve().parents[2]
VIP = "198.18.0.100"
TEMPLATE = """global_defs {{
    router_id {name}
    vrrp_version {version}
}}
vrrp_instance VI_1 {{
    state {state}
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int {interval}
{auth}    virtual_ipaddress {{
        {vip}/24
    }}
}}
"""
LB1, LB2 = "198.18.0.11", "198.18.0.12"
AUTH = "    authentication {\n        auth_type PASS\n        auth_pass secret123\n    }\n"
CONFIGS = {"v2 adv 1 s": (2, "1"), "v3 adv 0.1 s": (3, "0.1"), "v3 adv 0.01 s": (3, "0.01")}
# The same v2 failovers while busy loops hold every core of the node taking over, as a data
# plane at 100% CPU would (bounded: each loop ends after BURN_SECONDS).
BURNED = "v2 1 s, CPUs busy"
BURN_SECONDS = 30
BURNER = f"import time\nend = time.monotonic() + {BURN_SECONDS}\nwhile time.monotonic() < end: pass"
FAULTS = ("kill9", "sigterm", "linkdown")


def has_vip(node: Node) -> bool:
    links = json.loads(run("ip", "-n", node.namespace, "-j", "addr", "show", "eth0"))
    return any(a.get("local") == VIP for link in links for a in link.get("addr_info", []))


def wait_for(condition: object, bound: float) -> float:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return time.monotonic()
        time.sleep(0.005)
    raise TimeoutError("condition not reached")


def speaker(kind: str, node: Node, conf: Path, directory: Path) -> list[str]:
    if kind == "keepalived":
        # Fresh pid files each run: keepalived refuses to start over a pid file whose PID
        # has been reused by another process.
        run_dir = Path(tempfile.mkdtemp(dir=directory))
        return node.exec_args("keepalived", "-n", "-l", "-D", "-G", "-P", "-f", str(conf), "-p",
                              str(run_dir / "keepalived.pid"), "-r", str(run_dir / "vrrp.pid"))
    return node.exec_args(sys.executable, "-m", "hacore.daemon.vrrp_process", "-f", str(conf))


def expected_ms(version: int, interval: str, fault: str) -> float:
    """When the priority-100 backup must take over after lb1's reference advert: its last
    one (Master_Down_Interval) or its priority-0 one (Skew_Time), keepalived's arithmetic."""
    seconds = float(interval)
    skew = (256 - 100) / 256 * (1.0 if version == 2 else seconds)
    return (skew if fault == "sigterm" else 3 * seconds + skew) * 1000


def on_the_wire(lines: list[str], fault: str, fault_ns: int) -> float:
    """ms from lb1's reference advert (the last one before the fault, or its priority-0 one
    for SIGTERM) to lb2's first advert, from the bridge's kernel timestamps."""
    adverts = [(int(t), source, int(priority)) for t, source, priority in
               (line.split() for line in lines if line.count(" ") == 2)]
    first_lb2 = next(t for t, source, _ in adverts if source == LB2 and t > fault_ns)
    if fault == "sigterm":
        reference = next(t for t, source, p in adverts if source == LB1 and p == 0)
    else:
        reference = max(t for t, source, p in adverts if source == LB1 and p > 0
                        and t < first_lb2)
    return (first_lb2 - reference) / 1e6


def one(kind: str, version: int, interval: str, fault: str, *, offset: float,
        directory: Path, burn: bool = False) -> tuple[float, float]:
    lan = LanBuilder()
    started: list[subprocess.Popen[bytes]] = []
    try:
        lan.open()
        nodes = {"lb1": lan.add_node("lb1", 11), "lb2": lan.add_node("lb2", 12)}
        for name, priority, state in (("lb1", 101, "MASTER"), ("lb2", 100, "BACKUP")):
            conf = directory / f"{kind}-{name}.conf"
            conf.write_text(TEMPLATE.format(name=name, version=version, state=state,
                                            priority=priority, interval=interval, vip=VIP,
                                            auth=AUTH if version == 2 else ""))
            started.append(subprocess.Popen(speaker(kind, nodes[name], conf, directory),
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True))
            if name == "lb1":
                wait_for(lambda: has_vip(nodes["lb1"]), 10)
        if burn:
            started.extend(subprocess.Popen(nodes["lb2"].exec_args(sys.executable, "-c", BURNER),
                                            start_new_session=True)
                           for _ in range(os.cpu_count() or 1))
        wire = subprocess.Popen(["ip", "netns", "exec", lan.bridge_namespace, sys.executable,
                                 str(ROOT / "benchmarks/failover/wire.py"), "--seconds", "40"],
                                stdout=subprocess.PIPE, text=True, start_new_session=True)
        started.append(wire)  # type: ignore[arg-type]
        assert wire.stdout is not None and wire.stdout.readline().strip() == "ready"
        time.sleep(3 * float(interval) + 0.5 + offset * float(interval))  # steady state, then
        fault_at, fault_ns = time.monotonic(), time.time_ns()             # a point of the cycle
        if fault == "kill9":
            os.killpg(started[0].pid, signal.SIGKILL)
        elif fault == "sigterm":
            os.killpg(started[0].pid, signal.SIGTERM)
        else:
            run("ip", "-n", nodes["lb1"].namespace, "link", "set", "eth0", "down")
        took = wait_for(lambda: has_vip(nodes["lb2"]), 10)
        time.sleep(0.1)  # the bridge has seen lb2's first advert (it precedes the VIP)
        wire.terminate()
        lines = wire.communicate(timeout=10)[0].splitlines()
        return (took - fault_at) * 1000, on_the_wire(lines, fault, fault_ns)
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        lan.close()


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):8.1f} ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="v2 kill9 and sigterm only")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (network namespaces)")
    directory = Path(tempfile.mkdtemp(prefix="hacore-failover-"))
    rows = []
    configs = {"v2 adv 1 s": CONFIGS["v2 adv 1 s"]} if args.quick else dict(CONFIGS)
    if not args.quick:
        configs[BURNED] = CONFIGS["v2 adv 1 s"]
    print(f"{'config':18} {'fault':9} {'keepalived ms':>24} {'hacore ms':>24}"
          f" {'keepalived late ms':>22} {'hacore late ms':>22}")
    for label, (version, interval) in configs.items():
        faults = FAULTS[:2] if args.quick or label == BURNED else FAULTS
        for fault in faults:
            results, late = {}, {}
            for kind in ("keepalived", "hacore"):
                runs = [one(kind, version, interval, fault, offset=(n + 0.5) / args.repetitions,
                            directory=directory, burn=label == BURNED)
                        for n in range(args.repetitions)]
                results[kind] = [took for took, _ in runs]
                # On the wire: beyond Master_Down_Interval (or Skew_Time) after the reference
                # advert, the quantity the targets are stated in.
                late[kind] = [wire - expected_ms(version, interval, fault) for _, wire in runs]
            rows.append({"config": label, "fault": fault, **results,
                         "late_ms": late})
            print(f"{label:18} {fault:9} {summary(results['keepalived']):>24} "
                  f"{summary(results['hacore']):>24} {summary(late['keepalived']):>22} "
                  f"{summary(late['hacore']):>22}", flush=True)
    report = {"benchmark": "failover", "date": time.strftime("%Y-%m-%d"),
              "python": platform.python_version(), "rows": rows}
    out = ROOT / "benchmarks" / "results" / f"failover-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
