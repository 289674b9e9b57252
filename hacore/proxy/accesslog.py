"""Access logs in HAProxy 2.6's `option httplog` / `option tcplog` formats
(configuration.txt §8.2.2/8.2.3), sent at level info to the frontend's log targets
(logsink.LogSinks).

httplog: `ip:port [date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes - - ----
         ac/fc/bc/sc/rc sq/bq "request"`
tcplog:  `ip:port [date] frontend backend/server Tw/Tc/Tt bytes -- ac/fc/bc/sc/rc sq/bq`
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from hacore.proxy.logsink import MONTHS

if TYPE_CHECKING:
    from hacore.proxy.http import HttpClient
    from hacore.proxy.http_exchange import Exchange



def log_date(timestamp: float) -> str:
    """HAProxy's %tr: `25/Nov/2026:04:42:16.822`."""
    t = time.localtime(timestamp)
    millis = int(timestamp * 1000) % 1000
    return (f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:"
            f"{t.tm_min:02d}:{t.tm_sec:02d}.{millis:03d}")


def http_line(*, client: str, accepted: float, frontend: str, backend: str, server: str,
              timers: tuple[int, int, int, int, int], status: int, size: int, request: str,
              retries: int, termination: str = "----") -> str:
    """`termination`: the session state at close (configuration.txt §8.5): who ended it
    (`-` normally, C/S client or server, c/s their timeouts, P/L the proxy denying or
    answering itself) and in which phase (R request, C connect, H response head, D data)."""
    tr, tw, tc, tresp, ta = timers
    return (f"{client} [{log_date(accepted)}] {frontend} {backend}/{server} "
            f"{tr}/{tw}/{tc}/{tresp}/{ta} {status} {size} - - {termination} "
            f"1/1/0/0/{retries} 0/0 \"{request}\"")


def tcp_line(*, client: str, accepted: float, frontend: str, backend: str, server: str,
             timers: tuple[int, int, int], size: int, retries: int = 0,
             termination: str = "--") -> str:
    tw, tc, tt = timers
    return (f"{client} [{log_date(accepted)}] {frontend} {backend}/{server} {tw}/{tc}/{tt} "
            f"{size} {termination} 1/1/0/0/{retries} 0/0")


def _ms(start: float, end: float) -> int:
    return int((end - start) * 1000) if start >= 0 and end >= 0 else -1


def exchange_line(client: str, frontend: str, exchange: Exchange) -> str:
    """The `option httplog` line of one request (configuration.txt §8.2.3). Tw is -1 when
    no server was ever assigned, Tc when none was connected (haproxy 2.6's values)."""
    started, head, connect, connected, response, end = exchange.times
    line = exchange.head
    return http_line(
        client=client, accepted=exchange.date, frontend=frontend,
        backend=exchange.backend.name if exchange.backend else frontend.rstrip("~"),
        server=exchange.server_name,
        timers=(_ms(started, head), -1 if exchange.server_name == "<NOSRV>" else 0,
                _ms(connect, connected), _ms(connected, response), _ms(started, end)),
        status=exchange.status, size=exchange.bytes_out, retries=exchange.retries,
        request=f"{line.method} {line.target} HTTP/{line.version}",
        termination=exchange.termination)


def bad_request_line(client: str, accepted: float, frontend: str, *, status: int,
                     total: int, termination: str) -> str:
    """A request refused while it was read (400, 408): haproxy logs `<BADREQ>`."""
    return http_line(client=client, accepted=accepted, frontend=frontend,
                     backend=frontend.rstrip("~"), server="<NOSRV>",
                     timers=(-1, -1, -1, -1, total), status=status, size=0,
                     request="<BADREQ>", retries=0, termination=termination)


def log_http(client: HttpClient, exchange: Exchange | None, status: int,
             termination: str) -> None:
    """One `option httplog` line per request (configuration.txt §8.2.3), or a `<BADREQ>`
    line for one refused while read (none for a connection that sent nothing, under
    `option dontlognull`)."""
    settings = client.frontend.config.settings
    if not settings.httplog or not client.frontend.access_log:
        return
    frontend = client.frontend.name + ("~" if client.ssl else "")
    if exchange is not None:
        if exchange.logged:
            return  # (a response cut, then the client gone: one line)
        exchange.logged = True
        line = exchange_line(client.peer, frontend, exchange)
    elif settings.dontlognull and not client.requests and not client.received:
        return
    else:
        total = int((client.loop.time() - client.request_started) * 1000)
        line = bad_request_line(client.peer, client.request_date, frontend, status=status,
                                total=total, termination=termination)
    client.frontend.access_log.emit(line)
