"""Listening sockets for `bind` lines. IP_FREEBIND lets the backup node listen on the VIP
before it owns it (what HAProxy's `transparent`/`freebind` do, instead of the global
net.ipv4.ip_nonlocal_bind sysctl), so a failover needs no restart of the data plane.
SO_REUSEPORT lets a new data plane bind beside the old one during a reload."""

from __future__ import annotations

import socket

from hacore.config.haproxy_model import Bind

IP_FREEBIND = 15  # <linux/in.h>


def listening_socket(bind: Bind, backlog: int, smart_accept: bool) -> socket.socket:
    """Raises OSError naming the address when the bind fails. `backlog`: the frontend's
    maxconn, as HAProxy passes it to listen() (the kernel caps it at somaxconn).
    `smart_accept`: `option tcp-smart-accept`; HAProxy sets TCP_QUICKACK on the listening
    socket either way (0 with the option, so that the kernel sends no bare ACK for a request
    whose response acknowledges it; 1 without), and accepted sockets inherit it."""
    v6 = bind.family == "ipv6" or (":" in bind.host)
    host = bind.host or ("::" if v6 else "0.0.0.0")
    family = socket.AF_INET6 if v6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
        if v6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if bind.v4v6 else 1)
        sock.bind((host, bind.port))
        sock.listen(backlog)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 0 if smart_accept else 1)
        sock.setblocking(False)
    except OSError as error:
        sock.close()
        raise OSError(error.errno, f"cannot bind {host}:{bind.port} ({bind.location}): "
                                   f"{error.strerror}") from None
    return sock
