"""`log` lines of proxies (configuration.txt §4.2 "log"), and the option words between a
log target and its facility that both `log` keywords (global and proxy) skip."""

from __future__ import annotations

from hacore.config.errors import Diagnostics, Location
from hacore.config.haproxy_model import LogTarget
from hacore.config.haproxy_proxy import ProxyBuilder

# syslog facilities and levels in their RFC 5424 order (the index is the number)
FACILITIES = ("kern user mail daemon auth syslog lpr news uucp cron auth2 ftp ntp audit alert "
              "cron2 local0 local1 local2 local3 local4 local5 local6 local7").split()
LEVELS = "emerg alert crit err warning notice info debug".split()


def log_target(loc: Location, args: list[str]) -> LogTarget:
    """`<target> <facility> [<level> [<minlevel>]]` after strip_log_options(), checked with
    haproxy 2.6's messages (log.c parse_logsrv())."""
    if len(args) < 2:
        raise ValueError("'log' expects <address> and <facility> as arguments.")
    target, facility, *levels = args
    if facility not in FACILITIES:
        raise ValueError(f"log : unknown log facility '{facility}'")
    for word, what in zip(levels, ("optional log level", "optional minimum log level"),
                          strict=False):
        if word not in LEVELS:
            raise ValueError(f"log : unknown {what} '{word}'")
    if len(levels) > 2:
        raise ValueError(f"log : cannot handle unexpected argument '{levels[2]}'")
    return LogTarget(loc, target, facility, levels[0] if levels else None)


def strip_log_options(args: list[str]) -> list[str]:
    """`log <target> [len <n>] [format <fmt>] [sample <r>:<s>] <facility> [<level>...]`: the
    options between the target and the facility (lines are sent whole, in their format)."""
    kept, index = args[:1], 1
    while index < len(args):
        if args[index] in ("len", "format", "sample") and index + 1 < len(args):
            index += 2
        else:
            kept.append(args[index])
            index += 1
    return kept


def log(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    args = strip_log_options(args)
    if not args:
        raise ValueError("'log' expects either <address[:port]> and <facility> or 'global' as arguments.")
    if args[0] == "global":
        if len(args) > 1:
            raise ValueError(f"log : unknown log facility '{args[1]}'")
        p.logs.append(LogTarget(loc, "global", None, None))
        return
    p.logs.append(log_target(loc, args))
