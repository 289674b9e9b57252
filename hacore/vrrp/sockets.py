"""Raw sockets: one IPPROTO_VRRP socket per interface (keepalived's model: adverts for every
VRID of the interface arrive on it and are dispatched by VRID), and one AF_PACKET socket per
interface for gratuitous ARPs. We write the IPv4 header ourselves (IP_HDRINCL), as keepalived
does, so that TOS, TTL, DF and the identification match its packets.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import struct

from hacore.vrrp.garp import ETH_P_ARP, GarpPacer, gratuitous_arp
from hacore.vrrp.packet import IPPROTO_VRRP

# Linux <linux/in.h>; the socket module does not export IP_MULTICAST_ALL.
IP_MULTICAST_ALL = 49
RECEIVE_BUFFER = 65535


class VrrpSocket:
    def __init__(self, interface: str, index: int, group: ipaddress.IPv4Address) -> None:
        self.interface = interface
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_VRRP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
            membership = struct.pack("=4s4si", group.packed, bytes(4), index)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, membership)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
            sock.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_ALL, 0)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, datagram: bytes, destination: ipaddress.IPv4Address) -> None:
        self.sock.sendto(datagram, (str(destination), 0))

    def receive(self) -> bytes | None:
        try:
            return self.sock.recv(RECEIVE_BUFFER)
        except BlockingIOError:
            return None

    def close(self) -> None:
        self.sock.close()


class GarpSocket:
    """Gratuitous ARPs on one interface, paced by its GarpPacer (`vrrp_garp_interval`)."""

    def __init__(self, interface: str, mac: bytes, interval: float) -> None:
        self.mac = mac
        self.pacer = GarpPacer(interval)
        self._timer: asyncio.TimerHandle | None = None
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
        try:
            self.sock.bind((interface, ETH_P_ARP))
            self.sock.setblocking(False)
        except OSError:
            self.sock.close()
            raise

    def announce(self, addresses: list[ipaddress.IPv4Address], rounds: int) -> None:
        loop = asyncio.get_running_loop()
        for address in self.pacer.request(addresses, rounds, loop.time()):
            self._send(address)
        self._arm()

    def _arm(self) -> None:
        deadline = self.pacer.deadline()
        if deadline is not None and self._timer is None:
            self._timer = asyncio.get_running_loop().call_at(deadline, self._due)

    def _due(self) -> None:
        self._timer = None
        for address in self.pacer.due(asyncio.get_running_loop().time()):
            self._send(address)
        self._arm()

    def _send(self, address: ipaddress.IPv4Address) -> None:
        # A full transmit queue drops a GARP; the next burst repeats it.
        with contextlib.suppress(BlockingIOError):
            self.sock.send(gratuitous_arp(self.mac, address))

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.sock.close()
