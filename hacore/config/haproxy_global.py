"""The `global` section (configuration.txt §3): process-wide settings.

hacore runs under systemd as one supervised daemon, so the process-management keywords of a
classic haproxy.cfg (`daemon`, `chroot`, `user`, `nbproc`...) are accepted with a warning that
says why they change nothing, and the course's file loads unchanged.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hacore.config.errors import Diagnostics, Location
from hacore.config.haproxy_log import log_tag, log_target
from hacore.config.haproxy_model import Global, LogTarget, StatsSocket
from hacore.config.values import parse_int, time_argument

_WHY_IGNORED = {
    "daemon": "hacore runs in the foreground under systemd (Type=notify)",
    "master-worker": "hacore's supervisor already manages its worker processes",
    "chroot": "hacore needs /proc and netlink for VRRP, so it does not chroot",
    "user": "hacore keeps the capabilities VRRP needs (CAP_NET_RAW, CAP_NET_ADMIN); systemd sets the user",
    "group": "hacore keeps the capabilities VRRP needs (CAP_NET_RAW, CAP_NET_ADMIN); systemd sets the group",
    "uid": "systemd sets the user hacore runs as",
    "gid": "systemd sets the group hacore runs as",
    "pidfile": "systemd tracks hacore's PID",
    "tune.ssl.default-dh-param": "Python's ssl module picks the DH parameters (ECDHE is preferred)",
    "ssl-default-bind-ciphers": "Python's ssl defaults are used for ciphers",
    "ssl-default-bind-ciphersuites": "Python's ssl defaults are used for TLS 1.3 suites",
    "ssl-default-bind-options": "Python's ssl defaults are used (TLS 1.2 minimum)",
    "ssl-default-server-ciphers": "Python's ssl defaults are used for ciphers",
    "ssl-default-server-ciphersuites": "Python's ssl defaults are used for TLS 1.3 suites",
    "ssl-default-server-options": "Python's ssl defaults are used (TLS 1.2 minimum)",
    "ulimit-n": "systemd's LimitNOFILE sets hacore's file limit",
    "node": "hacore's stats page shows the host name",
    "description": "hacore's stats page shows no description yet",
    "quiet": "hacore prints warnings only at start-up and reload",
}
GLOBAL_UNSUPPORTED = frozenset(
        "lua-load lua-prepend-path lua-load-per-thread peers localpeer cpu-map external-check "
        "insecure-fork-wanted hard-stop-after set-var presetenv setenv resetenv unsetenv "
        "server-state-file server-state-base ssl-engine ssl-server-verify tune.maxrewrite "
        "tune.ssl.cachesize tune.ssl.lifetime".split()
)


@dataclass(slots=True)
class GlobalBuilder:
    values: dict[str, Any] = field(default_factory=dict)
    logs: list[LogTarget] = field(default_factory=list)
    sockets: list[StatsSocket] = field(default_factory=list)

    def build(self) -> Global:
        return Global(**self.values, logs=tuple(self.logs), stats_sockets=tuple(self.sockets))


GlobalHandler = Callable[[GlobalBuilder, list[str], Location, Diagnostics], None]


def _one(keyword: str, args: list[str]) -> str:
    if len(args) != 1:
        raise ValueError(f"'{keyword}' expects exactly one argument.")
    return args[0]


def _int_setting(field_name: str, low: int, high: int) -> GlobalHandler:
    def handler(g: GlobalBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
        keyword = field_name.replace("_", "-").replace("tune-", "tune.").replace("http-", "http.")
        g.values[field_name] = parse_int(_one(keyword, args), low, high, f"'{keyword}'")

    return handler


def _path_setting(field_name: str) -> GlobalHandler:
    def handler(g: GlobalBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
        g.values[field_name] = _one(field_name.replace("_", "-"), args)

    return handler


def _log(g: GlobalBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    g.logs.append(log_target(loc, args))


def _log_tag(g: GlobalBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    if len(args) > 1:
        raise ValueError(f"'log-tag' cannot handle unexpected argument '{args[1]}'.")
    g.values["log_tag"] = log_tag(args)


def _log_send_hostname(g: GlobalBuilder, args: list[str], loc: Location,
                       out: Diagnostics) -> None:
    """`log-send-hostname [<name>]`: the name, or the system's host name."""
    g.values["log_send_hostname"] = args[0] if args else platform.node()


def _stats(g: GlobalBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    if args[:1] == ["timeout"]:
        g.values["stats_timeout"] = time_argument(_one("stats timeout", args[1:]), "stats timeout")
    elif args[:1] == ["socket"] and len(args) >= 2:
        g.sockets.append(_stats_socket(args[1], args[2:], loc))
    else:
        raise ValueError("'stats' in 'global' section expects 'socket', 'timeout' or 'maxconn'.")


def _stats_socket(path: str, args: list[str], loc: Location) -> StatsSocket:
    mode, level, index = None, "user", 0
    while index < len(args):
        keyword = args[index]
        if index + 1 >= len(args) and keyword != "expose-fd":
            raise ValueError(f"'stats socket' : '{keyword}' expects an argument.")
        if keyword == "mode":
            try:
                mode = int(args[index + 1], 8)
            except ValueError:
                raise ValueError(f"'stats socket' : invalid mode '{args[index + 1]}'") from None
        elif keyword == "level":
            if args[index + 1] not in ("user", "operator", "admin"):
                raise ValueError("'level' only supports 'user', 'operator', and 'admin'")
            level = args[index + 1]
        elif keyword not in ("user", "group", "expose-fd", "uid", "gid"):
            raise ValueError(f"'stats socket' : unknown keyword '{keyword}'")
        index += 2
    return StatsSocket(loc, path, mode, level)


def _nbproc(g: GlobalBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    raise ValueError("nbproc is not supported any more since HAProxy 2.5. Threads will "
                     "automatically be used on multi-processor machines if available.")


def _ignored(keyword: str) -> GlobalHandler:
    def handler(g: GlobalBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
        out.warn(loc, f"'{keyword}' is accepted and ignored: {_WHY_IGNORED[keyword]}.")

    return handler


def _maxconn(g: GlobalBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    """haproxy 2.6 keeps the first `maxconn` and goes on (a non-fatal ALERT: the file
    stays valid, so a warning here)."""
    if "maxconn" in g.values:
        out.warn(loc, "'maxconn' already specified. Continuing.")
        return
    _MAXCONN(g, args, loc, out)


_MAXCONN = _int_setting("maxconn", 1, 2**31 - 1)
GLOBAL_KEYWORDS: dict[str, GlobalHandler] = {
    "maxconn": _maxconn,
    "nbthread": _int_setting("nbthread", 1, 4096),
    "spread-checks": _int_setting("spread_checks", 0, 50),
    "tune.bufsize": _int_setting("tune_bufsize", 1024, 2**30),
    "tune.http.maxhdr": _int_setting("tune_maxhdr", 1, 32767),
    "ca-base": _path_setting("ca_base"),
    "crt-base": _path_setting("crt_base"),
    "log": _log,
    "log-tag": _log_tag,
    "log-send-hostname": _log_send_hostname,
    "stats": _stats,
    "nbproc": _nbproc,
    **{keyword: _ignored(keyword) for keyword in _WHY_IGNORED},
}
