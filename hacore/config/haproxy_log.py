"""`log` lines of proxies (configuration.txt §4.2 "log"), and the option words between a
log target and its facility that both `log` keywords (global and proxy) skip."""

from __future__ import annotations

from hacore.config.errors import Diagnostics, Location
from hacore.config.haproxy_model import LogTarget
from hacore.config.haproxy_proxy import ProxyBuilder


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
        p.logs.append(LogTarget(loc, "global", None, None))
        return
    if len(args) < 2:
        raise ValueError("'log' expects <address> and <facility> as arguments.")
    p.logs.append(LogTarget(loc, args[0], args[1], args[2] if len(args) > 2 else None))
