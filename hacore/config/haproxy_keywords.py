"""Proxy-section keywords (`defaults`, `frontend`, `backend`, `listen`): one handler each.

A handler receives the builder, the words after the keyword and the line's location; it raises
ValueError with HAProxy's wording for a bad line and may add warnings. The table at the bottom
says which sections accept each keyword (configuration.txt §4.1 "Proxy keywords matrix").
"""

from __future__ import annotations

from collections.abc import Callable

from hacore.config import haproxy_options
from hacore.config.errors import Diagnostics, Location
from hacore.config.haproxy_acl import (
    check_acl_name,
    parse_acl,
    parse_condition,
    split_condition,
)
from hacore.config.haproxy_http_rules import http_request, http_response, redirect
from hacore.config.haproxy_log import log, proxy_log_tag
from hacore.config.haproxy_model import (
    HTTP_REUSE_MODES,
    Balance,
    ErrorFile,
    Mode,
    UseBackend,
)
from hacore.config.haproxy_proxy import ProxyBuilder
from hacore.config.haproxy_server import build_binds, build_server, parse_server_keywords
from hacore.config.values import is_decimal, parse_int, time_argument, time_trailing_junk
from hacore.http.log_format import Term, parse_log_format

Handler = Callable[[ProxyBuilder, list[str], Location, Diagnostics], None]

TIMEOUT_NAMES = {
    "connect": "connect", "client": "client", "server": "server",
    "http-request": "http_request", "http-keep-alive": "http_keep_alive", "queue": "queue",
    "tunnel": "tunnel", "client-fin": "client_fin", "server-fin": "server_fin", "check": "check",
}
BALANCE_ALGORITHMS = ("roundrobin", "static-rr", "leastconn", "source", "uri", "first", "random")
BALANCE_UNSUPPORTED = ("url_param", "hdr", "rdp-cookie", "hash")
HASH_FUNCTIONS = ("sdbm", "djb2", "crc32", "wt6")
# configuration.txt §1.3.1: the status codes `errorfile` accepts in HAProxy 2.6.
ERRORFILE_CODES = (200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502,
                   503, 504)


def _one_arg(keyword: str, args: list[str], missing: str) -> str:
    """The single argument of `keyword`, with HAProxy's two messages for none and extra."""
    if not args or not args[0]:
        raise ValueError(missing)
    if len(args) > 1:
        raise ValueError(f"'{keyword}' cannot handle unexpected argument '{args[1]}'.")
    return args[0]


def mode(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    value = args[0] if args else ""
    if value not in ("http", "tcp"):
        raise ValueError(f"unknown proxy mode '{value}'.")
    _one_arg("mode", args, "")
    p.mode = Mode(value)


# Timeouts used only by one side of a proxy (configuration.txt §4.1 matrix).
_FRONTEND_TIMEOUTS = frozenset({"client", "client-fin"})
_BACKEND_TIMEOUTS = frozenset({"connect", "server", "server-fin", "check", "queue", "tunnel"})


def timeout(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    name = args[0] if args else ""
    if name not in TIMEOUT_NAMES and name != "tarpit":
        raise ValueError(
            "'timeout' supports 'client', 'server', 'connect', 'check', 'queue', "
            "'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and "
            f"'server-fin' (got '{name}')"
        )
    keyword = f"timeout {name}"
    if len(args) < 2 or not args[1]:
        raise ValueError(f"'{keyword}' expects an integer value (in milliseconds)")
    if len(args) > 2:
        raise ValueError(f"'{keyword}' : unexpected extra argument '{args[2]}' after value "
                         f"'{args[1]}'.")
    value = time_argument(args[1], keyword)
    junk = time_trailing_junk(args[1])
    if junk:
        out.warn(loc, junk)
    if name == "tarpit":
        out.warn(loc, "'timeout tarpit' is accepted and ignored: hacore has no tarpit action.")
    elif side_ignored(p, f"'{keyword}'", loc, out, frontend_only=name in _FRONTEND_TIMEOUTS,
                      backend_only=name in _BACKEND_TIMEOUTS, will_be=True):
        return
    else:
        p.timeouts[TIMEOUT_NAMES[name]] = value


def side_ignored(p: ProxyBuilder, label: str, loc: Location, out: Diagnostics, *,
                 frontend_only: bool, backend_only: bool, will_be: bool = False) -> bool:
    """HAProxy's warning for a setting on the side a proxy does not have; True if ignored."""
    verb = "will be ignored" if will_be else "ignored"
    end = "" if will_be else "."
    if frontend_only and p.kind == "backend":
        out.warn(loc, f"{label} {verb} because backend '{p.name}' has no frontend capability{end}")
        return True
    if backend_only and p.kind == "frontend":
        out.warn(loc, f"{label} {verb} because frontend '{p.name}' has no backend capability{end}")
        return True
    return False


def _count(keyword: str, args: list[str]) -> int:
    text = _one_arg(keyword, args, f"'{keyword}' expects an integer argument.")
    return parse_int(text, 0, 2**31 - 1, f"'{keyword}'")


def maxconn(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    p.maxconn = _count("maxconn", args)


def backlog(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    p.backlog = _count("backlog", args)


def retries(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    p.retries = _count("retries", args)


def http_reuse(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    """`http-reuse never|safe|aggressive|always` (configuration.txt §4.2), default safe."""
    if len(args) != 1 or args[0] not in HTTP_REUSE_MODES:
        raise ValueError("'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'.")
    p.http_reuse = args[0]


def fullconn(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    p.fullconn = _count("fullconn", args)


def balance(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    algorithm = args[0] if args else "roundrobin"  # HAProxy 2.6 takes a bare `balance` so
    name = algorithm.split("(", 1)[0]
    if name in BALANCE_UNSUPPORTED:
        raise ValueError(f"'balance {name}' is a HAProxy algorithm that hacore does not support.")
    if name not in BALANCE_ALGORITHMS:
        raise ValueError("balance only supports 'roundrobin', 'static-rr', 'leastconn', "
                         "'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' "
                         "options.")
    if name == "random" and "(" in algorithm:
        draws = algorithm[len("random(") :].removesuffix(")")
        if not algorithm.endswith(")") or not is_decimal(draws) or int(draws) < 1:
            raise ValueError(f"'balance random' : draws must be a positive integer, got "
                             f"'{algorithm}'.")
    if name == "uri":
        _check_uri_arguments(args[1:])
    elif len(args) > 1:
        out.warn(loc, f"'balance {algorithm}' takes no argument: '{' '.join(args[1:])}' is "
                      "ignored, as HAProxy 2.6 ignores it.")
    p.balance = Balance(algorithm, tuple(args[1:]), p.balance.hash_type,
                        p.balance.hash_function, p.balance.avalanche)


def _check_uri_arguments(args: list[str]) -> None:
    index = 0
    while index < len(args):
        word = args[index]
        if word in ("len", "depth"):
            if index + 1 >= len(args):
                raise ValueError(f"'balance uri {word}' expects a positive integer (got '')")
            parse_int(args[index + 1], 1, 2**31 - 1, f"'balance uri {word}'")
            index += 2
        elif word in ("whole", "path-only"):
            index += 1
        else:
            raise ValueError(
                "'balance uri' only accepts parameters 'len', 'depth', 'path-only', and 'whole' "
                f"(got '{word}')."
            )


def hash_type(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    """`hash-type <method> [<function> [avalanche]]` (configuration.txt §4.2): `consistent`
    alone means sdbm with avalanche; a named function has avalanche only when written."""
    if not args or args[0] not in ("map-based", "consistent"):
        raise ValueError("'hash-type' requires 'map-based' or 'consistent' as the first argument.")
    function, avalanche = "sdbm", args[0] == "consistent" and len(args) == 1
    if len(args) > 1:
        if args[1] not in HASH_FUNCTIONS:
            raise ValueError("'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash "
                             "functions.")
        function = args[1]
    if len(args) > 2:
        if args[2:] != ["avalanche"]:
            raise ValueError("'hash-type' only supports 'avalanche' as a modifier for hash "
                             "functions.")
        avalanche = True
    b = p.balance
    p.balance = Balance(b.algorithm, b.arguments, args[0], function, avalanche)


def bind(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    p.binds.extend(build_binds(loc, p.kind, args))


def server(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    built = build_server(loc, p.name, args, p.default_server)
    for existing in p.servers:
        if existing.name == built.name:
            raise ValueError(f"{p.kind} '{p.name}', another server named '{built.name}' was "
                             f"already defined at line {existing.location.line}, please use "
                             "distinct names.")
    p.servers.append(built)


def default_server(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    p.default_server.update(parse_server_keywords("default-server", args, default_server=True))


def acl(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    check_acl_name(args[0] if args else "")
    try:
        declaration = parse_acl(loc, args[0], args[1:])
    except ValueError as error:
        raise ValueError(f"error detected while parsing ACL '{args[0]}' : {error}") from None
    p.acls.setdefault(args[0], []).append(declaration)


def use_backend(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    before, condition = split_condition(args)
    if len(before) != 1:
        raise ValueError("'use_backend' expects a backend name.")
    cond = None
    if condition is not None:
        try:
            cond = parse_condition(loc, condition, p.acl_lookup())
        except ValueError as error:
            raise ValueError(f"error detected while parsing switching rule : {error}.") from None
    dynamic: tuple[Term, ...] = ()
    if "%" in before[0]:  # a log-format name, resolved per request (configuration.txt)
        try:
            terms = parse_log_format(before[0])
        except ValueError as error:
            raise ValueError(f"use_backend: failed to parse log-format '{before[0]}' : "
                             f"{error}.") from None
        dynamic = terms if any(term.kind != "text" for term in terms) else ()
    p.use_backends.append(UseBackend(loc, before[0], cond, dynamic))


def default_backend(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    p.default_backend = _one_arg("default_backend", args, "'default_backend' expects a backend name.")
    p.default_backend_location = loc


def errorfile(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    if len(args) != 2:
        raise ValueError("'errorfile' expects <status_code> and <file> as arguments.")
    code = parse_int(args[0], 0, 999, "'errorfile'")
    if code not in ERRORFILE_CODES:
        raise ValueError(f"errorfile : status code '{code}' not handled.")
    p.errorfiles[code] = ErrorFile(loc, code, args[1])


def stats(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    if not args:
        raise ValueError("'stats' expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', "
                         "'hide-version', 'show-node', 'show-desc' or 'show-legends'.")
    page = p.stats if p.stats is not None else {}
    word, rest = args[0], args[1:]
    if word in ("uri", "refresh", "realm", "auth"):
        rest = rest[:1]  # haproxy 2.6 reads one word and ignores the rest (`stats realm My Stats`)
    if word == "enable":
        out.warn(loc, "'stats enable' is read, but hacore does not serve HAProxy's statistics "
                      "page yet: requests for it are routed like any other (a listen section "
                      "without servers answers 503).")
    elif word == "uri":
        page["uri"] = _one_arg("stats uri", rest, "'uri' needs an URI prefix.")
    elif word == "refresh":
        text = _one_arg("stats refresh", rest, "'refresh' needs a refresh interval.")
        page["refresh"] = time_argument(text, "stats refresh")
    elif word == "realm":
        page["realm"] = _one_arg("stats realm", rest, "'realm' needs an realm name.")
    elif word == "auth":
        user = _one_arg("stats auth", rest, "'auth' needs a user:password account.")
        page["auth"] = (*page.get("auth", ()), user)
    elif word == "admin":
        if not rest:
            raise ValueError("'stats admin' requires either 'if' or 'unless' followed by a condition.")
        try:
            page["admin"] = parse_condition(loc, rest, p.acl_lookup())
        except ValueError as error:
            raise ValueError(f"error detected while parsing a 'stats admin' rule : {error}.") from None
    elif word in ("hide-version", "show-legends", "show-node", "show-desc", "scope"):
        out.warn(loc, f"'stats {word}' is accepted and ignored: hacore's stats page has one layout.")
    else:
        raise ValueError(f"'stats' : unknown keyword '{word}'")
    p.stats = page


def ignored(why: str) -> Handler:
    """A keyword accepted with a warning: it changes nothing users can observe in hacore."""

    def handler(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
        out.warn(loc, why)

    return handler


# keyword -> (handler, sections: d=defaults f=frontend b=backend l=listen)
PROXY_KEYWORDS: dict[str, tuple[Handler, str]] = {
    "mode": (mode, "dfbl"),
    "timeout": (timeout, "dfbl"),
    "option": (haproxy_options.option, "dfbl"),
    "no": (haproxy_options.no, "dfbl"),
    "default": (haproxy_options.no, "dfbl"),
    "log": (log, "dfbl"),
    "log-tag": (proxy_log_tag, "dfbl"),
    "maxconn": (maxconn, "dfl"),
    "backlog": (backlog, "dfl"),
    "retries": (retries, "dbl"),
    "fullconn": (fullconn, "dbl"),
    "http-reuse": (http_reuse, "dbl"),
    "balance": (balance, "dbl"),
    "hash-type": (hash_type, "dbl"),
    "bind": (bind, "fl"),
    "server": (server, "bl"),
    "default-server": (default_server, "dbl"),
    "acl": (acl, "fbl"),
    "use_backend": (use_backend, "fl"),
    "default_backend": (default_backend, "dfl"),
    "redirect": (redirect, "fbl"),
    "http-request": (http_request, "fbl"),
    "http-response": (http_response, "fbl"),
    "errorfile": (errorfile, "dfbl"),
    "http-check": (haproxy_options.http_check, "dbl"),
    "tcp-check": (haproxy_options.tcp_check, "dbl"),
    "stats": (stats, "dfbl"),
    "description": (ignored("'description' is accepted and ignored (shown nowhere yet)."), "fbl"),
    "id": (ignored("'id' is accepted and ignored: hacore numbers proxies itself."), "fbl"),
}

# Valid HAProxy 2.6 proxy keywords that hacore refuses rather than silently ignore.
PROXY_UNSUPPORTED = frozenset(
        "capture clitcpka-cnt clitcpka-idle clitcpka-intvl compression cookie declare "
        "disabled dispatch email-alert enabled errorfiles errorloc errorloc302 errorloc303 "
        "error-log-format filter force-persist grace hash-balance-factor http-after-response "
        "http-error http-send-name-header ignore-persist load-server-state-from-file "
        "log-format log-format-sd max-keep-alive-queue monitor monitor-uri persist "
        "rate-limit retry-on server-state-file-name server-template source srvtcpka-cnt "
        "srvtcpka-idle srvtcpka-intvl stick stick-table tcp-request tcp-response transparent "
        "unique-id-format unique-id-header use-fcgi-app use-server".split()
)
