"""Replay of server sequences recorded from haproxy 2.6.12 (tests/vectors/haproxy-2.6/
lb-sequences.json, 64 scenarios: every algorithm, weights, backups, run-time weight changes and
disable/enable, source addresses and URIs). Each backend goes through hacore's config loader and
pool; each request is picked, started and finished before the next, as the recording did."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from hacore.balance.base import AdminState, PoolServer
from hacore.balance.pool import ServerPool
from hacore.balance.registry import HashKey, build_pool
from hacore.config import load_texts

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "haproxy-2.6" / "lb-sequences.json"
SCENARIOS: list[dict[str, Any]] = json.loads(VECTORS.read_text())["scenarios"]
DEFAULTS = "defaults\n    mode http\n    timeout connect 5s\n    timeout client 5s\n    timeout server 5s\n"


def _never() -> int:
    raise AssertionError("no scenario uses balance random")


def make_pool(lines: list[str]) -> tuple[ServerPool, HashKey | None, dict[str, PoolServer]]:
    text = DEFAULTS + "backend be\n" + "".join(f"    {line}\n" for line in lines)
    config = load_texts([("be.cfg", text)], env={})
    assert config.haproxy is not None
    (backend,) = config.haproxy.backends
    servers = [PoolServer(s.name, puid, s.weight, s.backup, s.maxconn, up=not s.disabled)
               for puid, s in enumerate(backend.servers, start=1)]
    pool, key = build_pool(backend.balance, servers, backend.allbackups, _never)
    return pool, key, {s.name: s for s in servers}


def request_key(key: HashKey | None, request: dict[str, str]) -> int | None:
    if key is None:
        return None
    if key.kind == "source":
        address = ipaddress.ip_address(request["src"])
        return key.for_source(address.version, int(address))
    target = request["uri"] if "uri" in request else request["raw"].split(" ")[1]
    return key.for_uri(target.encode())


def apply(pool: ServerPool, servers: dict[str, PoolServer], command: dict[str, str]) -> None:
    if command["reply"]:  # HAProxy refused it (static-rr weights): so does the admin layer
        return
    words = command["cmd"].split()
    server = servers[words[2].split("/")[1]]
    if words[0] == "set":
        pool.update(server, weight=int(words[4]))
    else:
        pool.update(server, admin=AdminState.MAINT if words[0] == "disable" else AdminState.READY)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s["name"])
def test_same_servers_as_haproxy(scenario: dict[str, Any]) -> None:
    pool, key, servers = make_pool(scenario["backend"])
    requests = scenario["requests"]
    if isinstance(requests, dict):
        requests = [{"uri": requests["uri"]}] * requests["count"]
    commands = {c["after_request"]: c for c in scenario.get("runtime_commands", [])}
    picked = []
    for number, request in enumerate(requests, start=1):
        server = pool.pick(request_key(key, request))
        assert server is not None
        picked.append(server.name)
        pool.take_conn(server)
        pool.drop_conn(server)
        if number in commands:
            apply(pool, servers, commands[number])
    assert picked == scenario["sequence"]
