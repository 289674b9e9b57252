"""The course's files load unchanged and give exactly the model a HAProxy/keepalived user
expects, field by field; the fragments joined into one configuration load too."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from hacore.config import load, load_texts
from hacore.config.errors import Location
from hacore.config.haproxy_model import (
    AclTerm,
    ForwardFor,
    HttpCheckExpect,
    HttpCheckSend,
    KeepAliveMode,
    Mode,
    Timeouts,
)
from hacore.config.keepalived_model import InitialState, Tracked
from tests.conftest import COURSE

HAPROXY_CFG = COURSE / "haproxy.cfg"
NO_ENV: dict[str, str] = {}


def _load(*paths: Path) -> object:
    return load([str(p) for p in paths], env=NO_ENV, config_id="lb1")


def test_course_haproxy_global_and_defaults() -> None:
    config = load([str(HAPROXY_CFG)], env=NO_ENV)
    assert config.haproxy is not None and config.keepalived is None
    g = config.haproxy.global_
    assert (g.maxconn, g.stats_timeout, g.tune_bufsize, g.tune_maxhdr) == (4096, 30000, 16384, 101)
    assert [(s.path, s.mode, s.level) for s in g.stats_sockets] == [
        ("/run/haproxy/admin.sock", 0o660, "admin")]
    assert [(log.target, log.facility, log.level) for log in g.logs] == [("/dev/log", 16, 7)]
    assert [f.name for f in config.haproxy.frontends] == ["stats", "http_front"]
    assert [b.name for b in config.haproxy.backends] == ["stats", "http_back"]
    settings = config.haproxy.frontends[1].settings
    assert settings.mode is Mode.HTTP
    assert settings.timeouts == Timeouts(connect=5000, client=50000, server=50000)
    assert (settings.httplog, settings.dontlognull, settings.tcplog) == (True, True, False)
    assert settings.forwardfor == ForwardFor()
    assert settings.keep_alive is KeepAliveMode.SERVER_CLOSE
    assert [(e.code, e.path, e.location.line) for e in settings.errorfiles] == [
        (400, "/etc/haproxy/errors/400.http", 24), (503, "/etc/haproxy/errors/503.http", 25)]


def test_course_stats_listen() -> None:
    config = load([str(HAPROXY_CFG)], env=NO_ENV)
    assert config.haproxy is not None
    stats = config.haproxy.frontends[0]
    assert [(b.host, b.port, b.ssl) for b in stats.binds] == [("", 8404, False)]
    assert stats.default_backend == "stats"
    page = stats.settings.stats
    assert page is not None
    assert (page.uri, page.refresh) == ("/stats", 10000)
    assert page.admin is not None and page.admin.unless is False
    assert page.admin.alternatives == ((AclTerm(False, "LOCALHOST"),),)


def test_course_http_front() -> None:
    config = load([str(HAPROXY_CFG)], env=NO_ENV)
    assert config.haproxy is not None
    front = config.haproxy.frontends[1]
    assert front.location == Location(str(HAPROXY_CFG), 36)
    assert [(b.host, b.port, b.ssl, b.crt) for b in front.binds] == [
        ("", 80, False, ()), ("", 443, True, ("/etc/haproxy/certs/site.pem",))]
    assert front.default_backend == "http_back"
    (redirect,) = front.redirects
    assert (redirect.kind, redirect.target, redirect.code) == ("scheme", "https", 301)
    assert redirect.condition is not None
    ((term,),) = redirect.condition.alternatives
    assert term.negated and term.anonymous is not None and term.anonymous.fetch == "ssl_fc"


def test_course_http_back() -> None:
    config = load([str(HAPROXY_CFG)], env=NO_ENV)
    assert config.haproxy is not None
    back = config.haproxy.backends[1]
    assert back.balance.algorithm == "roundrobin"
    assert back.health_check.kind == "http"
    assert back.health_check.send == HttpCheckSend("GET", "/health", "HTTP/1.0")
    assert back.health_check.expects == (HttpCheckExpect(Location(str(HAPROXY_CFG), 46), False,
                                                         "status", "200"),)
    assert [(s.name, s.host, s.port, s.check, s.backup, s.weight, s.inter, s.rise, s.fall)
            for s in back.servers] == [
        ("app1", "192.168.1.11", 8080, True, False, 1, 2000, 2, 3),
        ("app2", "192.168.1.12", 8080, True, False, 1, 2000, 2, 3),
        ("app3", "192.168.1.13", 8080, True, True, 1, 2000, 2, 3),
    ]
    assert back.retries == 3 and back.redispatch is None and not back.allbackups


def test_course_warnings_are_the_documented_ones() -> None:
    config = load([str(HAPROXY_CFG), str(COURSE / "keepalived-lb1.conf")], env=NO_ENV)
    lines = [(w.location.line if w.location else None, w.message.split(" ")[0]) for w in config.warnings]
    expected = [(3, "'chroot'"), (6, "'user'"), (7, "'group'"), (8, "'daemon'"),
                (12, "'tune.ssl.default-dh-param'"), (30, "'stats"), (22, "Truncating")]
    cert_missing = not Path("/etc/haproxy/certs/site.pem").exists()
    if cert_missing:
        expected.insert(6, (38, "SSL"))
    for code in (400, 503):
        if not Path(f"/etc/haproxy/errors/{code}.http").exists():
            expected.insert(-1, (24 if code == 400 else 25, "errorfile"))
    assert lines == expected


@pytest.mark.parametrize(("name", "state", "priority"), [
    ("keepalived-lb1.conf", InitialState.MASTER, 101),
    ("keepalived-lb2.conf", InitialState.BACKUP, 100),
])
def test_course_keepalived(name: str, state: InitialState, priority: int) -> None:
    path = COURSE / name
    config = load([str(path)], env=NO_ENV)
    assert config.keepalived is not None and config.haproxy is None
    ka = config.keepalived
    assert ka.global_defs.router_id == ("LB1" if "lb1" in name else "LB2")
    assert (ka.global_defs.script_user, ka.global_defs.enable_script_security) == ("root", True)
    (script,) = ka.scripts
    assert (script.name, script.command, script.interval, script.weight, script.rise,
            script.fall) == ("check_haproxy", "/usr/bin/killall -0 haproxy", 2.0, 2, 1, 1)
    (vi,) = ka.instances
    assert (vi.name, vi.state, vi.interface, vi.virtual_router_id, vi.priority) == (
        "VI_1", state, "eth0", 51, priority)
    assert (vi.advert_int, vi.version, vi.preempt, vi.down_timer_adverts) == (100, 2, True, 3)
    assert (vi.auth_type, vi.auth_pass) == ("PASS", b"secret12")
    assert [v.interface for v in vi.virtual_addresses] == [
        ipaddress.ip_interface("192.168.1.100/24")]
    assert vi.track_scripts == (Tracked(vi.track_scripts[0].location, "check_haproxy"),)
    notify = "/etc/keepalived/notify.sh"
    if state is InitialState.MASTER:
        assert (vi.notify.master, vi.notify.backup, vi.notify.fault) == (
            f"{notify} master", f"{notify} backup", f"{notify} fault")
    else:
        assert (vi.notify.master, vi.notify.backup, vi.notify.fault) == (None, None, None)
    assert (vi.garp.master_repeat, vi.garp.master_delay) == (5, 5.0)


def _joined_course() -> str:
    """haproxy.cfg's global, defaults and stats, the ACL fragment's frontend and backends,
    the health-check fragment's backend, and the one backend the fragment names but never
    declares (admin_back)."""
    base = HAPROXY_CFG.read_text()
    head = base[: base.index("# Frontend HTTP")]
    acl = (COURSE / "haproxy-acl-routing.cfg.fragment").read_text()
    checks = (COURSE / "haproxy-health-checks.cfg.fragment").read_text()
    admin = "backend admin_back\n    server admin1 192.168.1.41:8080 check\n"
    return head + acl + "\n" + checks + "\n" + admin


def test_course_fragments_join_into_a_valid_config() -> None:
    config = load_texts([("joined.cfg", _joined_course())], env=NO_ENV)
    assert config.haproxy is not None
    front = config.haproxy.frontends[1]
    assert [(r.backend, [[t.name for t in alt] for alt in r.condition.alternatives])
            for r in front.use_backends if r.condition is not None] == [
        ("api_back", [["is_api"]]), ("static_back", [["is_static"]]),
        ("admin_back", [["is_admin", "is_internal"]])]
    acls = {a.name: (a.fetch, a.patterns) for a in front.settings.acls}
    assert acls == {"is_api": ("path_beg", ("/api",)),
                    "is_static": ("path_end", (".jpg", ".png", ".css", ".js")),
                    "is_admin": ("path_beg", ("/admin",)),
                    "is_internal": ("src", ("192.168.1.0/24",))}
    backends = {b.name: b for b in config.haproxy.backends}
    assert backends["api_back"].balance.algorithm == "leastconn"
    http_back = backends["http_back"]
    assert http_back.health_check.send == HttpCheckSend("GET", "/health", "HTTP/1.1",
                                                        (("Host", "localhost"),))
    (app1,) = http_back.servers
    assert (app1.inter, app1.fall, app1.rise) == (3000, 3, 2)
    deprecated = [w for w in config.warnings if "hiding headers" in w.message]
    assert [w.location for w in deprecated] == [Location("joined.cfg", 64)]


@pytest.mark.parametrize("algorithm", ["roundrobin", "leastconn", "source", "uri"])
def test_course_balance_fragment_lines(algorithm: str) -> None:
    lines = [line.strip() for line in
             (COURSE / "haproxy-balance-algorithms.fragment").read_text().splitlines()]
    assert f"balance {algorithm}" in lines
    servers = "\n".join(f"    {line}" for line in lines if line.startswith("server "))
    text = (f"defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n"
            f"    timeout server 1s\nbackend b\n    balance {algorithm}\n{servers}\n")
    config = load_texts([("b.cfg", text)], env=NO_ENV)
    assert config.haproxy is not None
    (backend,) = config.haproxy.backends
    assert backend.balance.algorithm == algorithm
    assert [(s.name, s.weight) for s in backend.servers] == [("app1", 3), ("app2", 2), ("app3", 1)]
