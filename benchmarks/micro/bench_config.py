"""Configuration load time: the course's files and a large generated haproxy.cfg, parsed in
process. Prints JSON (one object per input) and writes it under benchmarks/results/.

Run: .venv/bin/python benchmarks/micro/bench_config.py
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path

from hacore.config import load_texts

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT.parent / "shared" / "course"
RUNS = 50  # bounded: each input is parsed this many times after one warm-up


def large_config(backends: int, servers: int) -> str:
    lines = ["global", "    maxconn 4096", "defaults", "    mode http", "    timeout connect 5s",
             "    timeout client 30s", "    timeout server 30s", "frontend fe",
             "    bind :8080"]
    lines += [f"    acl is_b{b} path_beg /b{b}" for b in range(backends)]
    lines += [f"    use_backend b{b} if is_b{b}" for b in range(backends)]
    for b in range(backends):
        lines.append(f"backend b{b}")
        lines += [f"    server s{s} 10.0.{b % 250}.{s % 250}:80 check weight {1 + s % 5}"
                  for s in range(servers)]
    return "\n".join(lines) + "\n"


def measure(name: str, files: list[tuple[str, str]]) -> dict[str, object]:
    load_texts(files, env={}, config_id="lb1")
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        load_texts(files, env={}, config_id="lb1")
        samples.append(time.perf_counter() - start)
    lines = sum(text.count("\n") for _, text in files)
    median = statistics.median(samples)
    return {"input": name, "lines": lines, "median_ms": round(median * 1000, 3),
            "p90_ms": round(sorted(samples)[int(RUNS * 0.9)] * 1000, 3),
            "lines_per_s": round(lines / median)}


def main() -> None:
    course = [(str(COURSE / n), (COURSE / n).read_text())
              for n in ("haproxy.cfg", "keepalived-lb1.conf")]
    results = [measure("course haproxy.cfg + keepalived-lb1.conf", course),
               measure("100 backends x 20 servers", [("big.cfg", large_config(100, 20))])]
    report = {"benchmark": "config-load", "python": platform.python_version(),
              "machine": platform.machine(), "date": time.strftime("%Y-%m-%d"),
              "results": results}
    print(json.dumps(report, indent=2))
    out = ROOT / "benchmarks" / "results" / f"config-load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
