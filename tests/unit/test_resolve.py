"""Server addresses at start: literals as written, names through the libc resolver (only
/etc/hosts names here: no lookup leaves the machine)."""

from __future__ import annotations

from hacore.config import load_texts
from hacore.proxy.backend import RuntimeBackend
from hacore.proxy.resolve import resolve_host


def test_literals_are_their_own_address() -> None:
    assert resolve_host("198.18.0.11") == "198.18.0.11"
    assert resolve_host("::1") == "::1"


def test_a_hosts_file_name_resolves_once_at_start() -> None:
    text = ("defaults\n    mode http\n    timeout connect 5s\n    timeout client 5s\n"
            "    timeout server 5s\nbackend be\n    server a1 localhost:8080\n"
            "    server a2 127.0.0.2:8080\n")
    config = load_texts([("haproxy.cfg", text)], env={}).haproxy
    assert config is not None
    servers = RuntimeBackend(config.backends[0]).servers
    assert servers[0].address in ("127.0.0.1", "::1")
    assert servers[0].address == resolve_host("localhost")
    assert servers[1].address == "127.0.0.2"
