"""A plain RequestView for tests, and a loader for frontends written as haproxy.cfg text."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from hacore.acl.fetches import path_of
from hacore.config import load_texts
from hacore.config.haproxy_model import Frontend

DEFAULTS = ("defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n"
            "    timeout server 1s\n")


@dataclass
class Request:
    target: str = "/"
    method: str = "GET"
    version: str = "1.1"
    headers: list[tuple[str, str]] = field(default_factory=list)
    source: str = "10.0.0.1"
    destination: str = "198.18.0.100"
    src_port: int = 40000
    dst_port: int = 80
    ssl: bool = False
    sni: str | None = None

    @property
    def path(self) -> str | None:
        return path_of(self.target)

    @property
    def src(self) -> int:
        return int(ipaddress.ip_address(self.source))

    @property
    def src_family(self) -> int:
        return ipaddress.ip_address(self.source).version

    @property
    def dst(self) -> int:
        return int(ipaddress.ip_address(self.destination))

    @property
    def dst_family(self) -> int:
        return ipaddress.ip_address(self.destination).version


def frontend(body: str, backends: tuple[str, ...] = ()) -> Frontend:
    """The single frontend of `DEFAULTS + frontend fe + body` plus empty named backends."""
    declared = "".join(f"backend {name}\n" for name in backends)
    text = f"{DEFAULTS}frontend fe\n    bind :80\n{body}\n{declared}"
    config = load_texts([("test.cfg", text)], env={})
    assert config.haproxy is not None
    (front,) = config.haproxy.frontends
    return front
