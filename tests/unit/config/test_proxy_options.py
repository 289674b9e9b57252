"""Options whose default depends on the proxy: what the model holds after `defaults`,
`option` and `no option` lines, and HAProxy's warning for a frontend option in a backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from hacore.acl.router import compile_router
from hacore.config import ConfigError, load_texts
from tests.unit.acl.helpers import Request


def _config(defaults: str, frontend: str = "", backend: str = "") -> str:
    return ("defaults\n" + defaults + "    timeout connect 5s\n    timeout client 5s\n"
            "    timeout server 5s\nfrontend fe\n    bind 127.0.0.1:18080\n" + frontend
            + "    default_backend be\nbackend be\n" + backend
            + "    server s1 127.0.0.1:18081\n")


@pytest.mark.parametrize(("defaults", "frontend", "expected"), [
    ("    mode http\n", "", True),  # on by default in HTTP mode (HAProxy sets TCP_QUICKACK 0)
    ("    mode tcp\n", "", False),
    ("    mode http\n    no option tcp-smart-accept\n", "", False),
    ("    mode http\n    no option tcp-smart-accept\n", "    option tcp-smart-accept\n", True),
    ("    mode tcp\n", "    option tcp-smart-accept\n", True),
    ("    mode http\n", "    no option tcp-smart-accept\n", False),
])
def test_tcp_smart_accept(defaults: str, frontend: str, expected: bool) -> None:
    config = load_texts([("haproxy.cfg", _config(defaults, frontend))], env={})
    assert config.haproxy is not None
    assert config.haproxy.frontends[0].settings.smart_accept is expected


def test_tcp_smart_accept_in_a_backend_is_ignored_with_haproxys_warning() -> None:
    text = _config("    mode http\n", backend="    option tcp-smart-accept\n")
    config = load_texts([("haproxy.cfg", text)], env={})
    assert [(w.location.line if w.location else None, w.message) for w in config.warnings] == [
        (10, "'tcp-smart-accept' ignored because backend 'be' has no frontend capability.")]


def test_a_second_anonymous_defaults_section_starts_afresh() -> None:
    """haproxy 2.6: the proxies after it have no forwardfor and no timeouts (it warns)."""
    text = ("defaults\n    mode http\n    option forwardfor\n    timeout connect 5s\n"
            "    timeout client 5s\n    timeout server 5s\n" + _config("    mode http\n"))
    config = load_texts([("haproxy.cfg", text)], env={})
    assert config.haproxy is not None
    settings = config.haproxy.frontends[0].settings
    assert (settings.forwardfor, settings.timeouts.client) == (None, 5000)
    first = load_texts([("haproxy.cfg", _config("    mode http\n    option forwardfor\n"))],
                       env={})
    assert first.haproxy is not None and first.haproxy.frontends[0].settings.forwardfor


def test_listen_default_backend_wins_over_its_servers_with_haproxys_warning() -> None:
    text = ("defaults\n    mode http\n    timeout connect 5s\n    timeout client 5s\n"
            "    timeout server 5s\nlisten l1\n    bind 127.0.0.1:18080\n"
            "    default_backend be\n    server s0 127.0.0.1:1\nbackend be\n"
            "    server s1 127.0.0.1:18081\n")
    config = load_texts([("haproxy.cfg", text)], env={})
    assert config.haproxy is not None
    assert config.haproxy.frontends[0].default_backend == "be"
    assert [w.message for w in config.warnings] == [
        "In proxy 'l1', the 'default_backend' rule always has precedence over the servers, "
        "which will never be used."]


@pytest.mark.parametrize(("value", "milliseconds"), [
    ("100us", 1), ("1000us", 1), ("1500us", 2), ("0us", 0), ("5", 5), ("2s", 2000)])
def test_microseconds_round_up_to_the_next_millisecond(value: str, milliseconds: int) -> None:
    text = _config(f"    mode http\n    timeout queue {value}\n")
    config = load_texts([("haproxy.cfg", text)], env={})
    assert config.haproxy is not None
    assert config.haproxy.backends[0].settings.timeouts.queue == milliseconds


def test_global_maxconn_given_twice_keeps_the_first_as_haproxy() -> None:
    text = "global\n    maxconn 100\n    maxconn 200\n" + _config("    mode http\n")
    config = load_texts([("haproxy.cfg", text)], env={})
    assert config.haproxy is not None and config.haproxy.global_.maxconn == 100
    assert [(w.location.line if w.location else None, w.message) for w in config.warnings] == [
        (3, "'maxconn' already specified. Continuing.")]


@pytest.mark.parametrize(("rule", "routed"), [
    ("use_backend api if", "be"), ("use_backend api unless", "api"),
    ("use_backend api if TRUE or", "api"), ("use_backend api if or FALSE", "be")])
def test_empty_conditions_route_as_haproxy(rule: str, routed: str) -> None:
    """An empty alternative is none (measured on haproxy 2.6: a bare `if` never holds)."""
    text = _config("    mode http\n", frontend=f"    {rule}\n") + (
        "backend api\n    server a1 127.0.0.1:18082\n")
    config = load_texts([("haproxy.cfg", text)], env={})
    assert config.haproxy is not None
    assert compile_router(config.haproxy.frontends[0]).route(Request()) == routed


@pytest.mark.parametrize(("contents", "problem"), [
    (b"HTTP/1.1 503 X\r\nA: b\r\n", "unable to parse headers"),
    (b"garbage", "unable to parse headers"),
    (b"HTTP/1.1 503 X\r\ncontent-length: 10\r\n\r\nabc",
     "payload size does not match the announced content-length (3 != 10)"),
])
def test_an_errorfile_haproxy_cannot_frame_is_refused(contents: bytes, problem: str,
                                                      tmp_path: Path) -> None:
    page = tmp_path / "503.http"
    page.write_bytes(contents)
    text = _config(f"    mode http\n    errorfile 503 {page}\n")
    with pytest.raises(ConfigError) as caught:
        load_texts([("haproxy.cfg", text)], env={})
    assert [(a.location.line if a.location else None, a.message)
            for a in caught.value.alerts] == [(3, f"errorfile : '{page}': {problem}.")]


@pytest.mark.parametrize("contents", [
    b"", b"HTTP/1.0 503 Service Unavailable\nConnection: close\n\nbody", b"HTTP/1.1 503\r\n\r\n"])
def test_errorfiles_haproxy_accepts(contents: bytes, tmp_path: Path) -> None:
    """An empty file (a silent close), bare LF lines, a status line without a reason."""
    page = tmp_path / "503.http"
    page.write_bytes(contents)
    config = load_texts([("haproxy.cfg", _config(f"    mode http\n    errorfile 503 {page}\n"))],
                        env={})
    assert config.haproxy is not None
