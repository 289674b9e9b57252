"""`option ...`, `no option ...`, `http-check ...` and `tcp-check ...` (configuration.txt §4.2).

The course writes `option httpchk GET /health HTTP/1.1\\r\\nHost:\\ localhost`: headers hidden in
the version string. HAProxy 2.6 accepts that with a deprecation warning (fatal from 2.7, commit
4b5f3029b); hacore accepts it the same way and translates it into the equivalent
`http-check send hdr Host localhost`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hacore.config.errors import Diagnostics, Location
from hacore.config.haproxy_model import (
    ForwardFor,
    HttpCheckExpect,
    HttpCheckSend,
    KeepAliveMode,
    TcpCheckRule,
)
from hacore.config.values import best_match, is_decimal, parse_int, parse_network

if TYPE_CHECKING:
    from hacore.config.haproxy_proxy import ProxyBuilder

# Options that take no argument and only set or clear a flag of the builder.
_LOG_FLAGS = ("httplog", "tcplog", "dontlognull", "http-buffer-request", "tcp-smart-accept")
_KEEP_ALIVE = {m.value: m for m in KeepAliveMode}
_BACKEND_FLAGS = ("allbackups",)
# Accepted, with a warning naming why nothing changes.
_IGNORED_OPTIONS = {
    "splice-auto": "hacore forwards in user space; there is no splice(2) to enable",
    "splice-request": "hacore forwards in user space; there is no splice(2) to enable",
    "splice-response": "hacore forwards in user space; there is no splice(2) to enable",
    "log-health-checks": "hacore always logs health check transitions",
    "contstats": "hacore's counters are always continuous",
    "socket-stats": "hacore keeps per-listener counters always",
    "http-ignore-probes": "hacore never logs or answers connections that send no request",
}
# Valid HAProxy 2.6 options hacore does not implement: refused, not silently dropped.
_UNSUPPORTED_OPTIONS = frozenset(
        "abortonclose accept-invalid-http-request accept-invalid-http-response checkcache "
        "clitcpka disable-h2-upgrade dontlog-normal external-check h1-case-adjust-bogus-client "
        "h1-case-adjust-bogus-server http-no-delay http-pretend-keepalive "
        "http-restrict-req-hdr-names http-use-htx http-use-proxy-header http_proxy "
        "idle-close-on-response independent-streams ldap-check log-separate-errors log-asap "
        "mysql-check nolinger originalto persist pgsql-check prefer-last-server redis-check "
        "smtpchk spop-check srvtcpka ssl-hello-chk tcp-smart-connect tcpka "
        "transparent".split()
)
_KNOWN_OPTIONS = (
    *_LOG_FLAGS, *_KEEP_ALIVE, *_BACKEND_FLAGS, *_IGNORED_OPTIONS, *_UNSUPPORTED_OPTIONS,
    "forwardfor", "httpchk", "tcp-check", "redispatch",
)


def option(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    _set_option(p, args, loc, out, enabled=True)


# Options whose `no` / `default` form HAProxy 2.6 refuses (they take arguments).
_NOT_NEGATABLE = frozenset({"forwardfor", "httpchk", "tcp-check"})


def no(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    """`no option X`, `default option X` (both reset X to off) and `no log`."""
    if args[:1] == ["log"]:
        p.logs.clear()
        return
    if args[:1] != ["option"]:
        raise ValueError("negation/default currently supported only for options, log, "
                         "busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and "
                         "numa-cpu-mapping.")
    if len(args) < 2:
        raise ValueError("'option' expects an option name.")
    if args[1] in _NOT_NEGATABLE:
        raise ValueError(f"negation/default is not supported for option '{args[1]}'.")
    _set_option(p, args[1:], loc, out, enabled=False)


def _set_option(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics,
                enabled: bool) -> None:
    if not args:
        raise ValueError("'option' expects an option name.")
    name, rest = args[0], args[1:]
    if name in _FLAG_OPTIONS:
        _no_arguments(name, rest)
    if _other_side(p, name, loc, out):
        return
    if name in _LOG_FLAGS:
        p.flags[name] = enabled
    elif name in _KEEP_ALIVE:
        p.keep_alive = _KEEP_ALIVE[name] if enabled else KeepAliveMode.KEEP_ALIVE
    elif name == "allbackups":
        p.allbackups = enabled
    elif name == "forwardfor":
        p.forwardfor = _forwardfor(rest) if enabled else None
    elif name == "redispatch":
        p.redispatch = _redispatch(rest) if enabled else None
    elif name == "httpchk":
        p.check_kind = "http" if enabled else "tcp"
        if enabled:
            p.check_send = _httpchk(rest, loc, out)
    elif name == "tcp-check":
        p.check_kind = "tcp-check" if enabled else "tcp"
    elif name in _IGNORED_OPTIONS:
        out.warn(loc, f"'option {name}' is accepted and ignored: {_IGNORED_OPTIONS[name]}.")
    elif name in _UNSUPPORTED_OPTIONS:
        raise ValueError(f"'option {name}' is a HAProxy option that hacore does not support.")
    else:
        suggestion = best_match(name, _KNOWN_OPTIONS)
        hint = f"; did you mean '{suggestion}' maybe ?" if suggestion else "."
        raise ValueError(f"unknown option '{name}'{hint}")


_FLAG_OPTIONS = frozenset({*_LOG_FLAGS, *_KEEP_ALIVE, "allbackups", "tcp-check", *_IGNORED_OPTIONS})
_FRONTEND_OPTIONS = frozenset({"httplog", "dontlognull", "tcp-smart-accept"})
_BACKEND_OPTIONS = frozenset({"httpchk", "tcp-check", "redispatch", "allbackups"})


def _no_arguments(name: str, rest: list[str]) -> None:
    if name == "httplog" and rest == ["clf"]:
        return
    if name == "httplog" and rest:
        raise ValueError("keyword 'httplog' only supports option 'clf'.")
    if rest:
        raise ValueError(f"'option {name}' cannot handle unexpected argument '{rest[0]}'.")


def _other_side(p: ProxyBuilder, name: str, loc: Location, out: Diagnostics) -> bool:
    """HAProxy warns about, and ignores, an option for the side a proxy does not have."""
    if p.kind == "backend" and name == "httplog":
        out.warn(loc, f"backend '{p.name}' : 'option httplog' directive is ignored in backends.")
        return True
    if p.kind == "backend" and name in _FRONTEND_OPTIONS:
        out.warn(loc, f"'{name}' ignored because backend '{p.name}' has no frontend capability.")
        return True
    if p.kind == "frontend" and name in _BACKEND_OPTIONS:
        out.warn(loc, f"'{name}' ignored because frontend '{p.name}' has no backend capability.")
        return True
    return False


def _forwardfor(args: list[str]) -> ForwardFor:
    except_network, header, if_none = None, "X-Forwarded-For", False
    index = 0
    while index < len(args):
        word = args[index]
        if word in ("except", "header") and index + 1 < len(args):
            if word == "except":
                except_network = parse_network(args[index + 1], "'option forwardfor except'")
            else:
                header = args[index + 1]
            index += 2
        elif word == "if-none":
            if_none, index = True, index + 1
        else:
            raise ValueError(f"'option forwardfor' : unknown parameter '{word}'.")
    return ForwardFor(except_network, header, if_none)


def _redispatch(args: list[str]) -> int:
    if not args:
        return -1
    return parse_int(args[0], -(2**31), 2**31 - 1, "'option redispatch'")


def _httpchk(args: list[str], loc: Location, out: Diagnostics) -> HttpCheckSend:
    if len(args) > 3:
        raise ValueError("'option httpchk' expects at most 3 arguments: <method> <uri> <version>.")
    if len(args) == 1:
        return HttpCheckSend(uri=args[0])
    method = args[0] if args else "OPTIONS"
    uri = args[1] if len(args) > 1 else "/"
    version = args[2] if len(args) > 2 else "HTTP/1.0"
    headers: list[tuple[str, str]] = []
    body = ""
    if "\r\n" in version:
        out.warn(loc, "'option httpchk' : hiding headers or body at the end of the version "
                      "string is deprecated. Please, consider to use 'http-check send' directive "
                      "instead.")
        version, headers, body = _split_smuggled_headers(version)
    return HttpCheckSend(method, uri, version, tuple(headers), body)


def _split_smuggled_headers(version: str) -> tuple[str, list[tuple[str, str]], str]:
    head, _, body = version.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name:
            raise ValueError(f"'option httpchk' : invalid header '{line}' in the version string.")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers, body


def http_check(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    if not args:
        raise ValueError("'http-check' expects 'expect', 'send' or 'disable-on-404'.")
    if args[0] == "expect":
        p.check_expects.append(_expect(args[1:], loc, ("status", "rstatus", "string", "rstring"),
                                       "http-check expect"))
    elif args[0] == "send":
        p.check_send = _http_send(p.check_send, args[1:])
    else:
        raise ValueError(f"'http-check {args[0]}' is not supported by hacore "
                         "(supported: expect, send).")


def _expect(args: list[str], loc: Location, kinds: tuple[str, ...], keyword: str
            ) -> HttpCheckExpect:
    negated = bool(args) and args[0] == "!"
    if negated:
        args = args[1:]
    if len(args) != 2 or args[0] not in kinds:
        raise ValueError(f"'expect' expects one of {', '.join(kinds)} followed by a pattern.")
    kind, pattern = args
    if kind == "status":
        _status_list(pattern, keyword)
    elif kind in ("rstatus", "rstring"):
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"'{keyword}' : regex '{pattern}' is invalid (error={error.msg}, "
                             f"erroffset={error.pos}).") from None
    return HttpCheckExpect(loc, negated, kind, pattern)


def _status_list(pattern: str, keyword: str) -> None:
    """`status 200,300-399`: haproxy's checks, so that a probe never meets a bad list."""
    for part in pattern.split(","):  # empty items are skipped, a range may omit its low end
        low, dash, high = part.partition("-")
        if dash:
            if not ((not low or is_decimal(low)) and is_decimal(high)) or int(low or 0) > int(high):
                raise ValueError(f"'{keyword}' : invalid range of status codes '{part}'.")
            continue
        bad = next((c for c in part if not is_decimal(c)), None)
        if bad is not None:
            raise ValueError(f"'{keyword}' : invalid character '{bad}' in the list of status "
                             "codes.")


def _http_send(current: HttpCheckSend, args: list[str]) -> HttpCheckSend:
    fields = {"meth": current.method, "uri": current.uri, "ver": current.version,
              "body": current.body}
    headers = list(current.headers)
    index = 0
    while index < len(args):
        word = args[index]
        if word == "hdr" and index + 2 < len(args):
            headers.append((args[index + 1], args[index + 2]))
            index += 3
        elif word in fields and index + 1 < len(args):
            fields[word] = args[index + 1]
            index += 2
        else:
            raise ValueError(f"'http-check send' : unknown or incomplete parameter '{word}'.")
    return HttpCheckSend(fields["meth"], fields["uri"], fields["ver"], tuple(headers),
                         fields["body"])


def tcp_check(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    if not args or args[0] not in ("connect", "send", "send-binary", "expect", "comment"):
        raise ValueError("'tcp-check' expects 'comment', 'connect', 'send', 'send-binary' or "
                         "'expect'.")
    if args[0] == "expect":
        expect = _expect(args[1:], loc, ("string", "rstring", "binary"), "tcp-check expect")
        rule_args = ("!" if expect.negated else "", expect.kind, expect.pattern)
        p.tcp_check_rules.append(TcpCheckRule(loc, "expect", rule_args))
    elif args[0] in ("send", "send-binary") and len(args) < 2:
        raise ValueError(f"'tcp-check {args[0]}' : '{'binary' if args[0] == 'send-binary' else 'string'}' "
                         "expects a send as argument.")
    elif args[0] == "connect" and len(args) > 1:
        raise ValueError("'tcp-check connect' options (port, ssl, send-proxy...) are not "
                         "supported by hacore: checks connect to the server's check address.")
    elif args[0] != "comment":
        p.tcp_check_rules.append(TcpCheckRule(loc, args[0], tuple(args[1:])))
