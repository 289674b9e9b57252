"""`log` lines of the global section and of proxies (configuration.txt §4.2 "log"):
`log <target> [len <n>] [format <fmt>] [sample <ranges>:<size>] <facility> [<level>
[<minlevel>]]`, parsed in that order and refused with haproxy 2.6's messages (log.c
parse_logsrv()); `log-tag` in both."""

from __future__ import annotations

from hacore.config.errors import Diagnostics, Location
from hacore.config.haproxy_model import LogSample, LogTarget
from hacore.config.haproxy_proxy import ProxyBuilder

# syslog facilities and levels in their RFC 5424 order (the index is the number)
FACILITIES = ("kern user mail daemon auth syslog lpr news uucp cron auth2 ftp ntp audit alert "
              "cron2 local0 local1 local2 local3 local4 local5 local6 local7").split()
LEVELS = "emerg alert crit err warning notice info debug".split()
# `format`: rfc3164 is the default, `local` the same without the host name.
FORMATS = ("local", "rfc3164", "rfc5424", "priority", "short", "timed", "iso", "raw")


def log_target(loc: Location, args: list[str]) -> LogTarget:
    """One `log` line's arguments (after the keyword), as LogTarget."""
    if not args:
        raise ValueError("'log' expects either <address[:port]> and <facility> or 'global' "
                         "as arguments.")
    target, index = args[0], 1
    maxlen, format_, sample = 1024, "rfc3164", None
    # each option at most once and in this order, as log.c reads them
    if args[index:index + 1] == ["len"] and index + 1 < len(args):
        value = args[index + 1]
        if not value.isdigit() or not 80 <= int(value) <= 65535:
            raise ValueError(f"log : invalid log length '{value}', must be between 80 and "
                             "65535")
        maxlen, index = int(value), index + 2
    if args[index:index + 1] == ["format"] and index + 1 < len(args):
        format_ = args[index + 1]
        if format_ not in FORMATS:
            raise ValueError(f"log : unknown log format '{format_}'")
        index += 2
    if args[index:index + 1] == ["sample"] and index + 1 < len(args):
        sample, index = parse_sample(args[index + 1]), index + 2
    rest = args[index:]
    if not rest:
        raise ValueError("log : unknown log facility ''")
    facility, *levels = rest
    if facility not in FACILITIES:
        raise ValueError(f"log : unknown log facility '{facility}'")
    for word, what in zip(levels, ("optional log level", "optional minimum log level"),
                          strict=False):
        if word not in LEVELS:
            raise ValueError(f"log : unknown {what} '{word}'")
    if len(levels) > 2:
        raise ValueError(f"log : cannot handle unexpected argument '{levels[2]}'")
    level = LEVELS.index(levels[0]) if levels else len(LEVELS) - 1
    minlevel = LEVELS.index(levels[1]) if len(levels) > 1 else 0
    return LogTarget(loc, target, FACILITIES.index(facility), level, minlevel, format_,
                     maxlen, sample)


def parse_sample(text: str) -> LogSample:
    """`sample 1,3-4:5`: of each 5 messages in a row, the 1st, 3rd and 4th are sent."""
    ranges_text, _, size_text = text.partition(":")
    if not ranges_text:
        raise ValueError("log : no sampling ranges given" if size_text or _ else
                         "log : Missing sample size")
    if not _:
        raise ValueError("log : Missing sample size")
    tokens = ranges_text.split(",")
    ranges = []
    for position, token in enumerate(tokens):
        low, dash, high = token.partition("-")
        bounds = (low, high if dash else low)
        if not all(b.isdigit() and int(b) > 0 for b in bounds) or (
                dash and int(bounds[0]) >= int(bounds[1])):
            shown = token if token else "," + ",".join(tokens[position + 1:])
            raise ValueError(f"log : wrong sample range '{shown}'")
        ranges.append((int(bounds[0]), int(bounds[1])))
    if not size_text.isdigit() or int(size_text) == 0:
        raise ValueError(f"log : wrong sample size '{size_text}' for sample range "
                         f"'{ranges_text}'")
    size, highest = int(size_text), max(high for _low, high in ranges)
    if size < highest:
        raise ValueError(f"log : sample size {size} should be greater or equal to {highest} "
                         "the maximum of the high ranges limits")
    return LogSample(tuple(ranges), size)


def log_tag(args: list[str]) -> str:
    if not args or not args[0]:
        raise ValueError("'log-tag' expects a tag for use in syslog.")
    return args[0]


def log(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    if args[:1] == ["global"]:
        if len(args) > 1:
            raise ValueError(f"log : unknown log facility '{args[1]}'")
        p.logs.append(LogTarget(loc, "global"))
        return
    p.logs.append(log_target(loc, args))


def proxy_log_tag(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    p.log_tag = log_tag(args)
