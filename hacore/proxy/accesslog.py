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
    from hacore.proxy.admission import Admission
    from hacore.proxy.backend import RuntimeBackend
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
              counters: str, retries: int, queue: int = 0, termination: str = "----") -> str:
    """`termination`: the session state at close (configuration.txt §8.5): who ended it
    (`-` normally, C/S client or server, c/s their timeouts, P/L the proxy denying or
    answering itself) and in which phase (R request, C connect, H response head, D data,
    Q queue). `counters`: connection_counters(); `queue`: the backend_queue field."""
    tr, tw, tc, tresp, ta = timers
    return (f"{client} [{log_date(accepted)}] {frontend} {backend}/{server} "
            f"{tr}/{tw}/{tc}/{tresp}/{ta} {status} {size} - - {termination} "
            f"{counters}/{retries} 0/{queue} \"{request}\"")


def tcp_line(*, client: str, accepted: float, frontend: str, backend: str, server: str,
             timers: tuple[int, int, int], size: int, counters: str, retries: int = 0,
             queue: int = 0, termination: str = "--") -> str:
    tw, tc, tt = timers
    return (f"{client} [{log_date(accepted)}] {frontend} {backend}/{server} {tw}/{tc}/{tt} "
            f"{size} {termination} {counters}/{retries} 0/{queue}")


def connection_counters(door: Admission, backend: RuntimeBackend | None, server: str) -> str:
    """actconn/feconn/beconn/srv_conn when the line is logged (configuration.txt §8.2.3):
    the process's and the frontend's client connections, this one included, and the
    requests still on the backend (its queue included) and on the server, this one no
    longer counted (haproxy 2.6 logs `1/1/0/0` for a lone request)."""
    on_server = backend.by_name.get(server) if backend is not None else None
    return (f"{door.process.used}/{door.frontend.used}/"
            f"{backend.active() if backend is not None else 0}/"
            f"{on_server.member.served if on_server is not None else 0}")


def _ms(start: float, end: float) -> int:
    return int((end - start) * 1000) if start >= 0 and end >= 0 else -1


def exchange_line(client: str, frontend: str, exchange: Exchange) -> str:
    """The `option httplog` line of one request (configuration.txt §8.2.3). Tw is the time
    in the queue, -1 when no server was ever assigned, Tc -1 when none was connected
    (haproxy 2.6's values)."""
    started, head, connect, connected, response, end = exchange.times
    line = exchange.head
    nosrv = exchange.server_name == "<NOSRV>"
    waited, queue = exchange.queued or (-1 if nosrv else 0, 0)
    return http_line(
        client=client, accepted=exchange.date, frontend=frontend,
        backend=exchange.backend.name if exchange.backend else frontend.rstrip("~"),
        server=exchange.server_name,
        timers=(_ms(started, head), waited, _ms(connect, connected),
                _ms(connected, response), _ms(started, end)),
        status=exchange.status, size=exchange.bytes_out,
        counters=connection_counters(exchange.client.frontend.door, exchange.backend,
                                     exchange.server_name),
        retries=exchange.retries, queue=queue,
        request=f"{line.method} {line.target} HTTP/{line.version}",
        termination=exchange.termination)


def bad_request_line(client: str, accepted: float, frontend: str, *, status: int,
                     total: int, counters: str, termination: str) -> str:
    """A request refused while it was read (400, 408): haproxy logs `<BADREQ>`."""
    return http_line(client=client, accepted=accepted, frontend=frontend,
                     backend=frontend.rstrip("~"), server="<NOSRV>",
                     timers=(-1, -1, -1, -1, total), status=status, size=0,
                     request="<BADREQ>", counters=counters, retries=0,
                     termination=termination)


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
                                total=total, termination=termination,
                                counters=connection_counters(client.frontend.door, None, ""))
    client.frontend.access_log.emit(line)
