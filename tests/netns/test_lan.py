"""The namespace LAN itself: two hosts reach each other over the bridge, and nothing is left
behind afterwards. Later tiers (VRRP, failover) build on this fixture."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hacore.lab.netns import LanBuilder, run

pytestmark = pytest.mark.netns

SERVER = """
import socket, sys
s = socket.create_server((sys.argv[1], 7000))
print("ready", flush=True)
conn, peer = s.accept()
conn.sendall(f"hello {peer[0]}".encode())
conn.close()
"""
CLIENT = """
import socket, sys
with socket.create_connection((sys.argv[1], 7000), timeout=5) as c:
    print(c.recv(100).decode())
"""


def test_two_hosts_talk_over_the_bridge(lan: LanBuilder,
                                        processes: list[subprocess.Popen[str]]) -> None:
    a = lan.add_node("a", 1)
    b = lan.add_node("b", 2)
    assert (a.address, b.mac) == ("198.18.0.1", "02:00:c6:12:00:02")
    assert lan.link_up(a) and lan.link_up(b)
    server = subprocess.Popen(b.exec_args(sys.executable, "-c", SERVER, b.address),
                              stdout=subprocess.PIPE, text=True)
    processes.append(server)
    assert server.stdout is not None and server.stdout.readline() == "ready\n"
    client = subprocess.run(a.exec_args(sys.executable, "-c", CLIENT, b.address),
                            capture_output=True, text=True, timeout=10, check=True)
    assert client.stdout == "hello 198.18.0.1\n"
    assert server.wait(timeout=10) == 0


def test_namespaces_are_removed() -> None:
    builder = LanBuilder()
    try:
        builder.open()
        builder.add_node("a", 1)
    finally:
        builder.close()
    remaining = run("ip", "netns", "list")
    assert f"hacore-{builder.tag}-" not in remaining


def test_no_route_leaves_the_lan(lan: LanBuilder) -> None:
    a = lan.add_node("a", 1)
    routes = run("ip", "-n", a.namespace, "route", "show")
    assert routes.strip() == "198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.1"
