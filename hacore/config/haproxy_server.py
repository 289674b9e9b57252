"""`server`, `default-server` and `bind` lines (HAProxy configuration.txt §5.1 and §5.2), with
the messages `haproxy -c` 2.6 prints for them.

Each server or bind keyword maps to one model field. Keywords HAProxy knows but hacore does not
implement are refused with a message saying so, never silently dropped: traffic must not behave
differently from what the file says without the user being told.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from hacore.config.errors import Location
from hacore.config.haproxy_model import Bind, InitState, Server
from hacore.config.values import best_match, is_decimal, parse_int, parse_time_ms

ServerParams = dict[str, Any]

_DURATIONS = {"inter": "inter", "fastinter": "fastinter", "downinter": "downinter",
              "slowstart": "slowstart"}
_COUNTS = {"rise": "rise", "fall": "fall"}
_LIMITS = {"maxconn": "maxconn", "maxqueue": "maxqueue"}
_STRINGS = {"addr": "check_addr", "ca-file": "ca_file", "sni": "sni"}
_CHOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "verify": ("verify", ("none", "required")),
    "on-marked-down": ("on_marked_down_shutdown", ("shutdown-sessions",)),
    "on-marked-up": ("on_marked_up_shutdown_backup", ("shutdown-backup-sessions",)),
    "init-state": ("init_state", tuple(state.value for state in InitState)),
}
SERVER_FLAGS: dict[str, tuple[str, bool]] = {
    "check": ("check", True), "no-check": ("check", False),
    "backup": ("backup", True), "no-backup": ("backup", False),
    "check-ssl": ("check_ssl", True), "no-check-ssl": ("check_ssl", False),
    "ssl": ("ssl", True), "no-ssl": ("ssl", False),
    "disabled": ("disabled", True), "enabled": ("disabled", False),
}
# Valid HAProxy 2.6 server keywords (`haproxy -dKcfg`) that hacore refuses, with their argument
# counts so that the rest of the line can still be checked.
SERVER_UNSUPPORTED: dict[str, int] = {
    **dict.fromkeys(
            "agent-addr agent-inter agent-port agent-send alpn check-alpn check-proto check-sni "
            "ciphers ciphersuites cookie crl-file crt error-limit id init-addr log-proto "
            "max-reuse minconn namespace npn observe on-error pool-low-conn pool-max-conn "
            "pool-purge-delay proto proxy-v2-options redir resolve-net resolve-opts "
            "resolve-prefer resolvers socks4 source ssl-max-ver ssl-min-ver tcp-ut track "
            "verifyhost ws".split(), 1),
    **dict.fromkeys(
            "agent-check allow-0rtt check-send-proxy check-via-socks4 force-sslv3 force-tlsv10 "
            "force-tlsv11 force-tlsv12 force-tlsv13 no-agent-check no-check-send-proxy "
            "no-send-proxy no-send-proxy-v2 no-send-proxy-v2-ssl no-send-proxy-v2-ssl-cn "
            "no-ssl-reuse no-sslv3 no-tfo no-tls-tickets no-tlsv10 no-tlsv11 no-tlsv12 no-tlsv13 "
            "non-stick send-proxy send-proxy-v2 send-proxy-v2-ssl send-proxy-v2-ssl-cn ssl-reuse "
            "stick tfo tls-tickets usesrc".split(), 0),
}
SERVER_KEYWORDS = (*_DURATIONS, *_COUNTS, *_LIMITS, *_STRINGS, *_CHOICES, "weight", "port",
                   *SERVER_FLAGS, *SERVER_UNSUPPORTED)
_NAME_RE = re.compile(r"[A-Za-z0-9_.:-]+")
_DOTTED_RE = re.compile(r"[0-9.]+")


def parse_server_keywords(name: str, words: list[str], default_server: bool = False) -> ServerParams:
    """Keywords after a server's address, or after `default-server` → model field values.
    `name` is the server's name as HAProxy's messages use it. Raises ValueError."""
    params: ServerParams = {}
    index = 0
    while index < len(words):
        keyword = words[index]
        if keyword in SERVER_FLAGS:
            field, enabled = SERVER_FLAGS[keyword]
            params[field] = enabled
            index += 1
            continue
        if keyword in SERVER_UNSUPPORTED:
            raise ValueError(f"'{keyword}' is a HAProxy server keyword that hacore does not support.")
        if keyword not in SERVER_KEYWORDS:
            suggestion = best_match(keyword, SERVER_KEYWORDS)
            hint = f"; did you mean '{suggestion}' maybe ?" if suggestion else "."
            tail = " Hint: no address was expected for this server." if default_server else ""
            raise ValueError(f"unknown keyword '{keyword}'{hint}{tail}")
        value = words[index + 1] if index + 1 < len(words) else ""
        params.update(_valued_keyword(name, keyword, value))
        index += 2
    return params


def _valued_keyword(name: str, keyword: str, value: str) -> ServerParams:
    if keyword == "weight":
        return {"weight": _weight(name, value)}
    if keyword in _DURATIONS:
        if not value:
            raise ValueError(f"'{keyword}' expects a delay as argument.")
        try:
            delay = parse_time_ms(value)
        except (ValueError, OverflowError) as error:
            raise ValueError(f"{error} in '{keyword}' argument of server {name}.") from None
        if delay <= 0 and keyword != "slowstart":
            raise ValueError(f"invalid value 0 for argument '{keyword}' of server {name}.")
        return {_DURATIONS[keyword]: delay}
    if keyword in _COUNTS:
        if not value:
            raise ValueError(f"'{keyword}' expects an integer argument.")
        if not is_decimal(value) or int(value) <= 0:
            raise ValueError(f"'{keyword}' has to be > 0.")
        return {_COUNTS[keyword]: int(value)}
    if keyword in _LIMITS:
        return {_LIMITS[keyword]: parse_int(value, 0, 2**31 - 1, f"'{keyword}'")}
    if keyword == "port":
        return {"check_port": parse_int(value, 1, 65535, "'port'")}
    if not value:
        raise ValueError(f"'{keyword}' expects an argument.")
    if keyword in _STRINGS:
        return {_STRINGS[keyword]: value}
    field, allowed = _CHOICES[keyword]
    if value not in allowed:
        choices = ", ".join(f"'{a}'" for a in allowed)
        raise ValueError(f"'{keyword}' expects one of {choices}, got '{value}'.")
    converted: Any = InitState(value) if keyword == "init-state" else True
    if keyword == "verify":
        converted = value
    return {field: converted}


def _weight(name: str, text: str) -> int:
    if not re.fullmatch(r"-?[0-9]+", text):
        raise ValueError(f"'weight' expects an integer between 0 and 256, got '{text}'.")
    if not 0 <= int(text) <= 256:
        raise ValueError(f"weight of server {name} is not within 0 and 256 ({int(text)}).")
    return int(text)


def build_server(location: Location, backend: str, words: list[str],
                 defaults: ServerParams) -> Server:
    """`words` = [name, address, keyword...]. Raises ValueError."""
    if len(words) < 2:
        raise ValueError("'server' expects <name> and <addr>[:<port>] as arguments.")
    name, address = words[0], words[1]
    if not name:  # `server "" ...`: no name at all, as HAProxy reads it
        raise ValueError("'server' expects <name> and <addr>[:<port>] as arguments.")
    if not _NAME_RE.fullmatch(name):
        bad = next(c for c in name if not _NAME_RE.fullmatch(c))
        raise ValueError(f"character '{bad}' is not permitted in server name '{name}'.")
    try:
        host, port = _server_address(address)
        params = {**defaults, **parse_server_keywords(name, words[2:])}
    except ValueError as error:
        raise ValueError(f"'server {backend}/{name}' : {error}") from None
    return Server(location, name, host, port, **params)


def _server_address(text: str) -> tuple[str, int | None]:
    if text.startswith(("unix@", "abns@", "sockpair@", "/")):
        raise ValueError(f"UNIX socket servers ('{text}') are not supported by hacore.")
    for prefix in ("ipv4@", "ipv6@", "ip@", "tcp@", "tcp4@", "tcp6@"):
        text = text.removeprefix(prefix)
    host, port_text = _split_host_port(text)
    if not text:
        raise ValueError("'server' expects <name> and <addr>[:<port>] as arguments.")
    bracketed = text.startswith("[") and "]" in text
    if ((_DOTTED_RE.fullmatch(host) or ":" in host) and not is_ip(host)) or (
            bracketed and ":" not in host):
        shown = f"[{host}]" if bracketed else host
        raise ValueError(f"could not resolve address '{shown}'.")
    if port_text is None:
        return host or "0.0.0.0", None
    if port_text[:1] in "+-" and port_text:
        raise ValueError(f"port offsets ('{text}') are not supported by hacore.")
    return host or "0.0.0.0", _port(port_text, text, ranges="not permitted here")


def _split_host_port(text: str) -> tuple[str, str | None]:
    if text.startswith("[") and "]" in text:
        host, _, rest = text[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else None
    if text.count(":") > 1:  # unbracketed IPv6: haproxy takes the last colon as the port's
        host, _, port = text.rpartition(":")
        return host, port
    host, colon, port = text.partition(":")
    return ("" if host == "*" else host), (port if colon else None)


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _port(text: str, whole: str, ranges: str) -> int:
    if "-" in text.lstrip("-"):
        raise ValueError(f"port range {ranges} in '{whole}'")
    bad = next((c for c in text if not is_decimal(c)), None)
    if bad is not None:
        raise ValueError(f"invalid character '{bad}' in port number '{text}' in '{whole}'")
    if not text or not 1 <= int(text) <= 65535:
        raise ValueError(f"invalid port '{text}'")
    return int(text)


BIND_UNSUPPORTED: dict[str, int] = {
    **dict.fromkeys(
            "accept-netscaler-cip ca-file ca-ignore-err ca-sign-file ca-sign-pass "
            "ca-verify-file ciphers ciphersuites crl-file crt-ignore-err crt-list curves ecdhe "
            "expose-fd gid group id interface level mode mss namespace nice npn process "
            "proto severity-output shards ssl-max-ver ssl-min-ver tcp-ut thread tls-ticket-keys "
            "uid user verify".split(), 1),
    **dict.fromkeys(
            "accept-proxy allow-0rtt defer-accept force-sslv3 force-tlsv10 force-tlsv11 "
            "force-tlsv12 force-tlsv13 generate-certificates no-ca-names no-sslv3 no-tls-tickets "
            "no-tlsv10 no-tlsv11 no-tlsv12 no-tlsv13 prefer-client-ciphers strict-sni tfo".split(), 0),
}
_BIND_VALUES = ("crt", "alpn", "name")
_BIND_COUNTS = ("backlog", "maxconn")  # listener.c bind_parse_backlog(), bind_parse_maxconn()
_BIND_FLAGS = ("ssl", "transparent", "v4v6", "v6only")


def build_binds(location: Location, section: str, words: list[str]) -> list[Bind]:
    """`words` = [addr[,addr...], keyword...] → one Bind per address. Raises ValueError."""
    if not words:
        raise ValueError("'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... "
                         "as arguments.")
    owner = f"'bind {words[0]}' in section '{section}'"
    options: dict[str, Any] = {"crt": ()}
    index = 1
    while index < len(words):
        keyword = words[index]
        if keyword in _BIND_FLAGS:
            options[keyword] = True
            index += 1
        elif keyword in _BIND_COUNTS:
            value = words[index + 1] if index + 1 < len(words) else ""
            if not value:
                raise ValueError(f"{owner} : '{keyword}' : missing value")
            options[keyword] = parse_int(value, 0, 2**31 - 1, f"{owner} : '{keyword}'")
            index += 2
        elif keyword in _BIND_VALUES:
            value = words[index + 1] if index + 1 < len(words) else ""
            if not value:
                detail = "missing certificate location" if keyword == "crt" else "missing value"
                raise ValueError(f"{owner} : '{keyword}' : {detail}")
            if keyword == "crt":
                options["crt"] = (*options["crt"], value)
            else:
                options[keyword] = tuple(value.split(",")) if keyword == "alpn" else value
            index += 2
        elif keyword in BIND_UNSUPPORTED:
            raise ValueError(f"{owner} : '{keyword}' is a HAProxy bind keyword that hacore does "
                             "not support.")
        else:
            suggestion = best_match(keyword, (*_BIND_FLAGS, *_BIND_VALUES, *_BIND_COUNTS,
                                              *BIND_UNSUPPORTED))
            hint = f"; did you mean '{suggestion}' maybe ?" if suggestion else "."
            raise ValueError(f"{owner}: unknown keyword '{keyword}'{hint}")
    return [_bind_address(location, address, options) for address in words[0].split(",")]


def _bind_address(location: Location, address: str, options: dict[str, Any]) -> Bind:
    family = None
    text = address
    for prefix in ("ipv4@", "ipv6@"):
        if text.startswith(prefix):
            family, text = prefix[:-1], text[len(prefix):]
    if text.startswith(("unix@", "abns@", "fd@", "sockpair@", "quic4@", "quic6@", "/")):
        raise ValueError(f"'bind' : '{address}' is not supported by hacore (TCP addresses only).")
    host, port_text = _split_host_port(text)
    if port_text is None:
        raise ValueError(f"'bind' : missing port specification in '{address}'")
    if port_text[:1] in "+-" and port_text:
        raise ValueError(f"'bind' : port offset not permitted here in '{address}'")
    if _DOTTED_RE.fullmatch(host) and not is_ip(host):
        raise ValueError(f"'bind' : invalid address: '{host}' in '{address}'")
    try:
        port = _port(port_text, address, ranges="not supported by hacore")
    except ValueError as error:
        raise ValueError(f"'bind' : {error}") from None
    return Bind(location, host, port, family, **options)
