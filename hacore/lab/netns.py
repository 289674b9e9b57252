"""Test hosts on one machine: network namespaces joined by a bridge LAN in 198.18.0.0/24
(the benchmarking range, never routed outside), as ../shared/reference/running-the-references.md
describes the lab: bridge with STP and multicast snooping off, fixed MACs, IPv6 off, no default
route. Names are unique per LAN; `LanBuilder.close()` removes everything, also after failures.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from dataclasses import dataclass, field

LAN_PREFIX = "198.18.0"
COMMAND_TIMEOUT = 10.0  # seconds for any single ip(8) call


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                            check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    namespace: str
    address: str  # on eth0, /24
    mac: str

    def exec_args(self, *command: str) -> list[str]:
        """argv running `command` inside this node's namespace."""
        return ["ip", "netns", "exec", self.namespace, *command]


@dataclass(slots=True)
class LanBuilder:
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    namespaces: list[str] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)

    @property
    def bridge_namespace(self) -> str:
        return f"hacore-{self.tag}-lan"

    def _namespace(self, name: str) -> str:
        run("ip", "netns", "add", name)
        self.namespaces.append(name)
        run("ip", "-n", name, "link", "set", "lo", "up")
        for setting in ("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"):
            run("ip", "netns", "exec", name, "sysctl", "-q", "-w", setting)
        return name

    def open(self) -> None:
        bridge = self._namespace(self.bridge_namespace)
        run("ip", "-n", bridge, "link", "add", "br0", "type", "bridge", "stp_state", "0",
            "mcast_snooping", "0")
        run("ip", "-n", bridge, "link", "set", "br0", "up")

    def add_node(self, name: str, host: int) -> Node:
        """Node `name` at 198.18.0.<host> with MAC 02:00:c6:12:00:<host>."""
        namespace = self._namespace(f"hacore-{self.tag}-{name}")
        port = f"p{host}"
        run("ip", "link", "add", "eth0", "netns", namespace, "type", "veth", "peer", "name",
            port, "netns", self.bridge_namespace)
        mac = f"02:00:c6:12:00:{host:02x}"
        run("ip", "-n", namespace, "link", "set", "eth0", "address", mac)
        run("ip", "-n", namespace, "addr", "add", f"{LAN_PREFIX}.{host}/24", "dev", "eth0")
        run("ip", "-n", namespace, "link", "set", "eth0", "up")
        run("ip", "-n", self.bridge_namespace, "link", "set", port, "master", "br0")
        run("ip", "-n", self.bridge_namespace, "link", "set", port, "up")
        node = Node(name, namespace, f"{LAN_PREFIX}.{host}", mac)
        self.nodes[name] = node
        return node

    def link_up(self, node: Node) -> bool:
        links = json.loads(run("ip", "-n", node.namespace, "-j", "link", "show", "eth0"))
        return bool(links) and "UP" in links[0].get("flags", [])

    def close(self) -> None:
        """Delete every namespace made (their veths go with them); errors do not stop it."""
        for namespace in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "delete", namespace], capture_output=True,
                           timeout=COMMAND_TIMEOUT, check=False)
        self.namespaces.clear()
