"""Checks HAProxy makes once every section is read (cfgparse.c check_config_validity()):
references between proxies, modes, listeners, timeouts, and files the daemon will need.

Missing certificate, CA and error files are warnings here, not errors: `hacore check` validates
a configuration on any machine (the course's files name /etc/haproxy paths), while `hacore run`
refuses to start without them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from hacore.config.errors import Diagnostics, Location
from hacore.config.haproxy_model import Backend, Frontend, HaproxyConfig, Mode
from hacore.config.haproxy_server import is_ip
from hacore.http.errorfile import ErrorFileError, parse_errorfile

# A host name to an address (None: it does not resolve); given by the caller, which does I/O.
Resolver = Callable[[str], str | None]


def validate_haproxy(config: HaproxyConfig, out: Diagnostics,
                     resolve: Resolver | None = None) -> None:
    backends = {backend.name: backend for backend in config.backends}
    for frontend in config.frontends:
        _check_switching(frontend, backends, out)
        _check_listeners(frontend, out)
    _check_http_rules_in_tcp_mode(config, out)
    for backend in config.backends:
        _check_servers(backend, out)
        listen = next((f for f in config.frontends if f.location == backend.location), None)
        if listen is not None and backend.servers and listen.default_backend != backend.name:
            out.warn(None, f"In proxy '{backend.name}', the 'default_backend' rule always has "
                           "precedence over the servers, which will never be used.")
    for name, kind, timeouts_ok, location in _timeout_owners(config):
        if not timeouts_ok:
            out.warn(location, f"missing timeouts for {kind} '{name}'.\n"
                     "   | While not properly invalid, you will certainly encounter various problems\n"
                     "   | with such a configuration. To fix this, please ensure that all following\n"
                     "   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.")
    _check_files(config, out)
    if resolve is not None:
        _check_addresses(config, out, resolve)


def _check_addresses(config: HaproxyConfig, out: Diagnostics, resolve: Resolver) -> None:
    """haproxy 2.6 resolves server names once, at start, with the libc (the default
    `init-addr last,libc`), and refuses to start on a name that does not resolve."""
    failed = False
    for backend in config.backends:
        for server in backend.servers:
            if not is_ip(server.host) and resolve(server.host) is None:
                out.alert(server.location, f"'server {backend.name}/{server.name}' : could not "
                                           f"resolve address '{server.host}'.")
                failed = True
    if failed:
        out.alert(None, "Failed to initialize server(s) addr.")


def _check_switching(frontend: Frontend, backends: dict[str, Backend], out: Diagnostics) -> None:
    targets = [(rule.backend, "use_backend", rule.location) for rule in frontend.use_backends
               if not rule.dynamic]  # a dynamic name is looked up per request
    if frontend.default_backend is not None:
        targets.append((frontend.default_backend, "default_backend",
                        frontend.default_backend_location or frontend.location))
    for name, keyword, location in targets:
        backend = backends.get(name)
        if backend is None:
            out.alert(location, f"Proxy '{frontend.name}': unable to find required {keyword}: "
                                f"'{name}'.")
        elif backend.settings.mode is not frontend.settings.mode and backend.name != frontend.name:
            out.alert(location, f"{frontend.settings.mode.value} frontend '{frontend.name}' "
                      f"({frontend.location}) tries to use incompatible "
                      f"{backend.settings.mode.value} backend '{backend.name}' ({backend.location}) "
                      f"as its {'default ' if keyword == 'default_backend' else ''}backend "
                      "(see 'mode').")


def _check_http_rules_in_tcp_mode(config: HaproxyConfig, out: Diagnostics) -> None:
    """haproxy 2.6 ignores HTTP rules of a TCP proxy, saying so (cfgparse.c)."""
    frontends = {f.location for f in config.frontends}
    proxies = [("frontend", f.name, f.settings, bool(f.redirects)) for f in config.frontends]
    proxies += [("backend", b.name, b.settings, False) for b in config.backends
                if b.location not in frontends]  # a listen section speaks once
    for kind, name, settings, redirects in proxies:
        if settings.mode is not Mode.TCP:
            continue
        for keyword, present in (("http-request", settings.http_request_rules),
                                 ("http-response", settings.http_response_rules),
                                 ("redirect", redirects)):
            if present:
                out.warn(None, f"'{keyword}' rules ignored for {kind} '{name}' as they require "
                               "HTTP mode.")


def _check_listeners(frontend: Frontend, out: Diagnostics) -> None:
    if not frontend.binds:
        out.warn(frontend.location, f"frontend '{frontend.name}' has no 'bind' directive. Please "
                                    "declare it as a backend if this was intended.")
    for bind in frontend.binds:
        if bind.ssl and not bind.crt:
            out.alert(bind.location, f"Proxy '{frontend.name}': no SSL certificate specified for "
                      f"bind '{bind.host or '*'}:{bind.port}' at [{bind.location}] (use 'crt').")
    settings = frontend.settings
    if settings.httplog and settings.mode is Mode.TCP:
        out.warn(frontend.location, f"'option httplog' not usable with frontend "
                 f"'{frontend.name}' (needs 'mode http'). Falling back to 'option tcplog'.")
    if (settings.httplog or settings.tcplog) and not settings.logs:
        out.warn(frontend.location, f"log format ignored for frontend '{frontend.name}' since it "
                                    "has no log address.")


def _check_servers(backend: Backend, out: Diagnostics) -> None:
    check = backend.health_check
    if check.kind == "tcp" and check.expects:
        out.warn(backend.location, f"backend '{backend.name}' uses http-check rules without "
                                   "'option httpchk', so the rules are ignored.")
    for server in backend.servers:
        if server.check and server.port is None and server.check_port is None:
            out.alert(server.location, f"backend '{backend.name}': server '{server.name}' has "
                                       "neither service port nor check port.")
        # haproxy 2.6 verifies servers' certificates by default (ssl-server-verify required)
        if (server.ssl or server.check_ssl) and server.verify != "none" and not server.ca_file:
            out.alert(server.location, f"'server {backend.name}/{server.name}' : verify is "
                      "enabled by default but no CA file specified. If you're running on a LAN "
                      "where you're certain to trust the server's certificate, please set an "
                      "explicit 'verify none' statement on the 'server' line, or use "
                      "'ssl-server-verify none' in the global section to disable server-side "
                      "verifications by default.")


def _timeout_owners(config: HaproxyConfig) -> list[tuple[str, str, bool, Location]]:
    """(name, kind, has the timeouts HAProxy wants, location) per proxy, listen counted once."""
    frontends = {f.name: f for f in config.frontends}
    backends = {b.name: b for b in config.backends}
    owners = []
    for name, frontend in frontends.items():
        listen = name in backends and backends[name].location == frontend.location
        t = frontend.settings.timeouts
        ok = bool(t.client) and (not listen or (bool(t.connect) and bool(t.server)))
        owners.append((name, "proxy" if listen else "frontend", ok, frontend.location))
    for name, backend in backends.items():
        if name in frontends and frontends[name].location == backend.location:
            continue
        t = backend.settings.timeouts
        owners.append((name, "backend", bool(t.connect) and bool(t.server), backend.location))
    return owners


def _check_files(config: HaproxyConfig, out: Diagnostics) -> None:
    """Each missing file is reported once, at the line that names it."""
    base = config.global_.crt_base
    missing: dict[str, tuple[Location, str]] = {}
    for frontend in config.frontends:
        for bind in frontend.binds:
            for crt in bind.crt:
                path = crt if os.path.isabs(crt) or base is None else os.path.join(base, crt)
                missing.setdefault(path, (bind.location, f"SSL certificate '{path}'"))
    for backend in config.backends:
        for server in backend.servers:
            if server.ca_file is not None:
                missing.setdefault(server.ca_file, (server.location,
                                                    f"CA file '{server.ca_file}'"))
    settings = [p.settings for p in config.frontends] + [p.settings for p in config.backends]
    for proxy_settings in settings:
        for errorfile in proxy_settings.errorfiles:
            missing.setdefault(errorfile.path, (errorfile.location,
                                                f"errorfile {errorfile.code} '{errorfile.path}'"))
    for path, (location, what) in missing.items():
        if not os.path.exists(path):
            out.warn(location, f"{what} does not exist yet; 'hacore run' will refuse to start "
                               "without it.")
        elif what.startswith("errorfile"):
            problem = _errorfile_problem(path)
            if problem is not None:
                out.alert(location, f"errorfile : '{path}': {problem}.")


def _errorfile_problem(path: str) -> str | None:
    """haproxy 2.6 parses an errorfile as an HTTP response at load (http_htx.c
    http_str_to_htx()) and refuses one it cannot frame."""
    try:
        with open(path, "rb") as handle:
            parse_errorfile(handle.read())
    except OSError as error:
        return f"cannot read it ({error.strerror})"
    except ErrorFileError as error:
        return str(error)
    return None
