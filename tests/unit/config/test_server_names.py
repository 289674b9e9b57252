"""Server names resolve at load, as haproxy 2.6 resolves them at start (`init-addr
last,libc`): a name that does not resolve stops the load with haproxy's alerts. The resolver
is the caller's (the data plane's uses the libc); here a table stands in for it."""

from __future__ import annotations

import pytest

from hacore.config import ConfigError, load_texts

CONFIG = ("defaults\n    mode http\n    timeout connect 5s\n    timeout client 5s\n"
          "    timeout server 5s\nfrontend fe\n    bind 127.0.0.1:18080\n"
          "    default_backend be\nbackend be\n    server a1 app1:8080\n"
          "    server a2 192.0.2.10:8080\n    server a3 [2001:db8::1]:8080\n"
          "    server a4 app2:8080\n")


def test_names_that_resolve_load_and_addresses_are_not_looked_up() -> None:
    asked: list[str] = []

    def resolve(host: str) -> str | None:
        asked.append(host)
        return "198.18.0.11"

    assert load_texts([("haproxy.cfg", CONFIG)], env={}, resolve=resolve).haproxy is not None
    assert asked == ["app1", "app2"]


def test_a_name_that_does_not_resolve_stops_the_load() -> None:
    table = {"app2": "198.18.0.12"}
    with pytest.raises(ConfigError) as caught:
        load_texts([("haproxy.cfg", CONFIG)], env={}, resolve=table.get)
    assert [(a.location.line if a.location else None, a.message)
            for a in caught.value.alerts] == [
        (10, "'server be/a1' : could not resolve address 'app1'."),
        (None, "Failed to initialize server(s) addr."),
    ]


def test_without_a_resolver_names_are_not_checked() -> None:
    assert load_texts([("haproxy.cfg", CONFIG)], env={}).haproxy is not None
