"""Options whose default depends on the proxy: what the model holds after `defaults`,
`option` and `no option` lines, and HAProxy's warning for a frontend option in a backend."""

from __future__ import annotations

import pytest

from hacore.config import load_texts


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
