"""IPv6 raw sockets, as keepalived 2.2.7 sets them up for an IPv6 instance (vrrp.c
open_vrrp_send_socket/open_vrrp_read_socket): VRRPv3 on IPPROTO 112 joined to ff02::12 on
the interface, hop limit 255, traffic class 0xc0, the kernel filling and checking the
checksum at offset 6 (IPV6_CHECKSUM); hop limit and destination read back from ancillary
data for the receive checks. Unsolicited neighbour advertisements leave from an ICMPv6 raw
socket with the virtual address as source (IPV6_PKTINFO)."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import struct

from hacore.vrrp.ndisc import ALL_NODES, unsolicited_na
from hacore.vrrp.packet import IPPROTO_VRRP

CHECKSUM_OFFSET = 2 + 1 + 1 + 2  # version/type, VRID, priority, count/interval (RFC 5798 §5.1)
RECEIVE_BUFFER = 65535
ANCILLARY = socket.CMSG_SPACE(4) + socket.CMSG_SPACE(20)


def _common(sock: socket.socket, interface: str, index: int) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
    sock.setblocking(False)


class VrrpSocket6:
    def __init__(self, interface: str, index: int, group: ipaddress.IPv6Address) -> None:
        self.interface, self.index, self.group = interface, index, group
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_VRRP)
        try:
            _common(sock, interface, index)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0xC0)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, CHECKSUM_OFFSET)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                            group.packed + struct.pack("@I", index))
        except OSError:
            sock.close()
            raise
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, message: bytes, destination: ipaddress.IPv6Address) -> None:
        self.sock.sendto(message, (str(destination), 0, 0, self.index))

    def receive(self) -> tuple[bytes, ipaddress.IPv6Address, ipaddress.IPv6Address,
                               int | None] | None:
        """(VRRP message, source, destination, hop limit), or None when nothing is left."""
        try:
            data, ancillary, _, address = self.sock.recvmsg(RECEIVE_BUFFER, ANCILLARY)
        except BlockingIOError:
            return None
        hop_limit, destination = None, self.group
        for level, kind, value in ancillary:
            if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_HOPLIMIT:
                hop_limit = struct.unpack("@i", value[:4])[0]
            elif level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
                destination = ipaddress.IPv6Address(value[:16])
        source = ipaddress.IPv6Address(address[0].split("%", 1)[0])
        return data, source, destination, hop_limit

    def close(self) -> None:
        self.sock.close()


class NeighbourAdvertiser:
    """Unsolicited NAs on one interface, all at once (vrrp_gna_interval is not paced)."""

    def __init__(self, interface: str, index: int, mac: bytes, router: bool) -> None:
        self.index, self.mac, self.router = index, mac, router
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        try:
            _common(self.sock, interface, index)
        except OSError:
            self.sock.close()
            raise

    def announce(self, addresses: list[ipaddress.IPv6Address], rounds: int) -> None:
        for _ in range(rounds):
            for address in addresses:
                info = address.packed + struct.pack("@I", self.index)
                # A full queue, or an address gone meanwhile: the next burst repeats it.
                with contextlib.suppress(OSError):
                    self.sock.sendmsg([unsolicited_na(self.mac, address, self.router)],
                                      [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, info)],
                                      0, (str(ALL_NODES), 0, 0, self.index))

    def close(self) -> None:
        self.sock.close()
