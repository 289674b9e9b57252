"""Server names resolved as haproxy 2.6 resolves them by default (configuration.txt §5.2
"init-addr", default `last,libc`): once, with the libc (getaddrinfo, any family, the first
answer), when the configuration is loaded and when the data plane starts; connections and
checks then go to that address, with no lookup per connection."""

from __future__ import annotations

import socket

from hacore.config.haproxy_server import is_ip


def resolve_host(host: str) -> str | None:
    """The address `host` names, None when it does not resolve."""
    if is_ip(host):
        return host
    try:
        answers = socket.getaddrinfo(host, None, socket.AF_UNSPEC, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    return str(answers[0][4][0]) if answers else None
