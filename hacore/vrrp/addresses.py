"""Virtual addresses and interface facts through netlink (pyroute2's AsyncIPRoute), the I/O
behind the AddAddresses/RemoveAddresses actions, awaited on the VRRP loop.
Adding an address that is there, or removing one that is not, is
not an error (a restart after a crash finds the previous run's VIPs, keepalived removes them).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from dataclasses import dataclass

from pyroute2 import AsyncIPRoute
from pyroute2.netlink.exceptions import NetlinkError

from hacore.config.keepalived_model import VirtualAddress

_SCOPES = {"global": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}
IFA_F_NODAD = 0x02  # <linux/if_addr.h>


class InterfaceMissingError(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Interface:
    name: str
    index: int
    mac: str


class AddressManager:
    def __init__(self) -> None:
        self._ipr = AsyncIPRoute()

    async def open(self) -> None:
        await self._ipr.setup_endpoint()

    def close(self) -> None:
        self._ipr.close()

    async def interface(self, name: str) -> Interface:
        indexes = await self._ipr.link_lookup(ifname=name)
        if not indexes:
            raise InterfaceMissingError(f"interface '{name}' does not exist")
        links = [link async for link in await self._ipr.get_links(indexes[0])]
        return Interface(name, indexes[0], str(links[0].get("IFLA_ADDRESS")))

    async def primary_ipv4(self, name: str, virtual: set[ipaddress.IPv4Address]
                           ) -> ipaddress.IPv4Address | None:
        """The first IPv4 address of the interface that is not one of our VIPs: the source of
        our adverts, as keepalived picks it when unicast_src_ip is not set."""
        index = (await self.interface(name)).index
        async for message in await self._ipr.get_addr(index=index, family=socket.AF_INET):
            address = ipaddress.IPv4Address(message.get("IFA_ADDRESS"))
            if address not in virtual:
                return address
        return None

    async def link_local(self, name: str) -> ipaddress.IPv6Address | None:
        """The interface's IPv6 link-local address (fe80::/10): the source of IPv6 adverts
        (RFC 5798 §5.1.2.1), as keepalived picks it."""
        index = (await self.interface(name)).index
        async for message in await self._ipr.get_addr(index=index, family=socket.AF_INET6):
            address = ipaddress.IPv6Address(message.get("IFA_ADDRESS"))
            if address.is_link_local:
                return address
        return None

    async def add(self, vip: VirtualAddress, default_device: str) -> bool:
        """True if the address was added, False if it was already there."""
        try:
            await self._ipr.addr("add", **await self._request(vip, default_device))
        except NetlinkError as error:
            if error.code == errno.EEXIST:
                return False
            raise
        return True

    async def remove(self, vip: VirtualAddress, default_device: str) -> bool:
        """True if the address was removed, False if it was not there."""
        try:
            await self._ipr.addr("del", **await self._request(vip, default_device))
        except NetlinkError as error:
            if error.code == errno.EADDRNOTAVAIL:
                return False
            raise
        return True

    async def _request(self, vip: VirtualAddress, default_device: str) -> dict[str, object]:
        request: dict[str, object] = {
            "index": (await self.interface(vip.device or default_device)).index,
            "address": str(vip.interface.ip),
            "prefixlen": vip.interface.network.prefixlen,
        }
        if vip.broadcast is not None:
            request["broadcast"] = str(vip.broadcast)
        if vip.label is not None:
            request["label"] = vip.label
        if vip.scope is not None:
            request["scope"] = int(vip.scope) if vip.scope.isdigit() else _SCOPES[vip.scope]
        if vip.interface.version == 6:
            request["flags"] = IFA_F_NODAD  # usable at once, as keepalived adds them
        return request
