"""Adverts on the LAN as the bridge sees them, with the kernel's receive timestamps: run in
the bridge namespace, prints `<realtime ns> <source> <priority>` for every VRRP (IPv4)
packet crossing br0 until it is stopped (bounded: at most --seconds). The failover
benchmark measures takeovers from these, on the wire, not from netlink polling.

Run: python wire.py --seconds 30   (as root, inside the bridge's namespace)
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SO_TIMESTAMPNS = 35  # <asm-generic/socket.h>
IPPROTO_VRRP = 112


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--device", default="br0")
    args = parser.parse_args()
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((args.device, 0))
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.settimeout(0.2)
    print("ready", flush=True)
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        try:
            frame, ancillary, _, _ = sock.recvmsg(2048, socket.CMSG_SPACE(16))
        except TimeoutError:
            continue
        if len(frame) < 14 + 20 + 3 or frame[12:14] != b"\x08\x00" or frame[23] != IPPROTO_VRRP:
            continue
        stamp = next((struct.unpack("@qq", data[:16]) for level, kind, data in ancillary
                      if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS), None)
        if stamp is None:
            continue
        header = (frame[14] & 0x0F) * 4
        source = ipaddress.IPv4Address(frame[26:30])
        priority = frame[14 + header + 2]
        print(f"{stamp[0] * 1_000_000_000 + stamp[1]} {source} {priority}", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
