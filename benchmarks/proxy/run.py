"""hacore's data plane and HAProxy 2.6 (`nbthread 1`) side by side in one run, same origin,
same wrk load, reporting hacore/HAProxy ratios: requests/s, p50 and p99 latency, and proxy CPU
seconds per 10k requests (utime + stime from /proc). Scenarios: HTTP keep-alive with small
bodies, a connection per request, TCP mode, and 1 MiB bodies. Each proxy is measured
`--rounds` times against a fresh origin, the order alternating (which one runs first moved
the ratios by up to 20%), and the medians are compared.

`--floor` adds floor.py, the least a uvloop proxy does per request, to the HTTP scenarios
with a new server connection per request: hacore/floor is what hacore's own work costs,
floor/HAProxy what any pure-Python data plane on this machine could reach.

Run (root not needed; needs haproxy, which bin/test installs, and wrk: apt-get install wrk):
    .venv/bin/python benchmarks/proxy/run.py [--duration 5] [--rounds 3] [--only NAME] [--floor]
Everything listens on 127.0.0.1; every process is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLOCK = os.sysconf("SC_CLK_TCK")
Scenario = tuple[str, str, int, str | None, int]  # name, mode, body size, header, connections
SCENARIOS: list[Scenario] = [
    # `option http-server-close` as in the course's haproxy.cfg: a server connection per request
    ("http keep-alive 64 B", "http", 64, None, 50),
    ("http connection per request", "http", 64, "Connection: close", 50),
    ("tcp mode 64 B", "tcp", 64, None, 50),
    ("http keep-alive 1 MiB", "http", 1 << 20, None, 10),
    # HAProxy's default mode: keep-alive on both sides, idle server connections reused
    ("http reuse 64 B", "http-keep-alive", 64, None, 50),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, bound: float = 10.0) -> None:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on {port}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK  # utime, stime


def config(mode: str, port: int, origin: int) -> str:
    """`http`: the course's http-server-close; `http-keep-alive`: HAProxy's default mode."""
    options = "    option http-server-close\n" if mode == "http" else ""
    mode = mode.split("-", 1)[0]
    return (f"global\n    maxconn 2000\n    nbthread 1\ndefaults\n    mode {mode}\n{options}"
            "    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n"
            f"frontend fe\n    bind 127.0.0.1:{port}\n    default_backend be\n"
            f"backend be\n    server o1 127.0.0.1:{origin}\n")


def wrk(port: int, duration: int, header: str | None, connections: int) -> dict[str, float]:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    if header:
        args += ["-H", header]
    out = subprocess.run([*args, f"http://127.0.0.1:{port}/"], capture_output=True, text=True,
                         timeout=duration + 30, check=True).stdout
    requests = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return {"rps": requests, "requests": total, "p50_ms": _latency(out, "50%"),
            "p99_ms": _latency(out, "99%")}


def _latency(out: str, label: str) -> float:
    match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
    assert match is not None, out
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def measure(argv: list[str], port: int, duration: int, header: str | None,
            connections: int) -> dict[str, float]:
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        wrk(port, 1, header, connections)  # warm-up
        before = cpu_seconds(process.pid)
        result = wrk(port, duration, header, connections)
        if not result["requests"]:
            raise RuntimeError(f"{argv[0]}: wrk completed no request on port {port}")
        result["cpu_s_per_10k"] = (cpu_seconds(process.pid) - before) / result["requests"] * 1e4
        return result
    finally:
        process.terminate()
        process.wait(timeout=10)


def measure_proxy(proxy: str, directory: Path, scenario: Scenario,
                  duration: int) -> dict[str, float]:
    """One measurement of `proxy` against a fresh origin: no run inherits another's state."""
    _, mode, size, header, connections = scenario
    origin_port, port = free_port(), free_port()
    origin = subprocess.Popen([sys.executable, str(ROOT / "benchmarks/proxy/origin.py"),
                               "--port", str(origin_port), "--size", str(size)],
                              stdout=subprocess.DEVNULL)
    try:
        wait_port(origin_port)
        cfg = directory / f"{proxy}.cfg"
        cfg.write_text(config(mode, port, origin_port))
        argv = {"haproxy": ["haproxy", "-db", "-f", str(cfg)],
                "hacore": [sys.executable, "-m", "hacore.daemon.dataplane_process", "-f",
                           str(cfg)],
                "floor": [sys.executable, str(ROOT / "benchmarks/proxy/floor.py"), "--port",
                          str(port), "--origin", str(origin_port)]}[proxy]
        return measure(argv, port, duration, header, connections)
    finally:
        origin.terminate()
        origin.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3,
                        help="measurements per proxy, the order alternating; medians reported")
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this")
    parser.add_argument("--floor", action="store_true",
                        help="also floor.py (HTTP, a server connection per request)")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="hacore-bench-"))
    rows = []
    for scenario in SCENARIOS:
        name = scenario[0]
        if args.only not in name:
            continue
        proxies = ["haproxy", "hacore"]
        if args.floor and scenario[1] == "http" and scenario[2] <= 4096:  # server-close, small
            proxies.append("floor")
        rounds: dict[str, list[dict[str, float]]] = {proxy: [] for proxy in proxies}
        for round_number in range(args.rounds):
            order = proxies if round_number % 2 == 0 else proxies[::-1]
            for proxy in order:
                rounds[proxy].append(measure_proxy(proxy, directory, scenario, args.duration))
        results = {proxy: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                   for proxy, runs in rounds.items()}
        ratios = {key: results["hacore"][key] / results["haproxy"][key]
                  for key in ("rps", "p50_ms", "p99_ms", "cpu_s_per_10k")}
        rows.append({"scenario": name, **results, "rounds": rounds,
                     "ratio_hacore_over_haproxy": ratios})
        floor = ""
        if "floor" in results:
            ratios_floor = {key: results[proxy][key] / results["haproxy"][key]
                            for proxy, key in (("floor", "rps"), ("floor", "p99_ms"))}
            rows[-1]["ratio_floor_over_haproxy"] = ratios_floor
            floor = (f"  (floor {results['floor']['rps']:.0f} req/s: ratio "
                     f"{ratios_floor['rps']:.2f}, p99 x{ratios_floor['p99_ms']:.1f})")
        print(f"{name:32} haproxy {results['haproxy']['rps']:9.0f} req/s  hacore "
              f"{results['hacore']['rps']:9.0f} req/s  ratio {ratios['rps']:.2f}  "
              f"p99 x{ratios['p99_ms']:.1f}  cpu/10k x{ratios['cpu_s_per_10k']:.1f}{floor}",
              flush=True)
    report = {"benchmark": "proxy", "date": time.strftime("%Y-%m-%d"), "rounds": args.rounds,
              "python": platform.python_version(), "cores": os.cpu_count(), "rows": rows}
    out = ROOT / "benchmarks" / "results" / f"proxy-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
