"""RequestHead: the `connection` tokens are read once, and again after every header edit."""

from __future__ import annotations

from hacore.http.message import RequestHead


def head(*headers: tuple[str, str], version: str = "1.1") -> RequestHead:
    return RequestHead("GET", "/", version, list(headers))


def test_connection_tokens_follow_every_edit() -> None:
    request = head(("host", "a"), ("connection", "Keep-Alive, Upgrade"), ("connection", "te"))
    assert request.connection == {"keep-alive", "upgrade", "te"}
    assert request.server_connection(keep_alive=True) is None  # upgrade passes as is
    request.del_header("connection")
    assert request.connection == set()
    assert request.server_connection(keep_alive=False) == "close"
    request.add_header("connection", "close")
    assert not request.client_wants_keep_alive()
    request.set_header("connection", "upgrade")
    assert request.connection == {"upgrade"}
    request.set_header_in_place("connection", "keep-alive")
    assert request.connection == {"keep-alive"}


def test_http_10_keep_alive_needs_the_token() -> None:
    assert not head(version="1.0").client_wants_keep_alive()
    assert head(("connection", "keep-alive"), version="1.0").client_wants_keep_alive()
    assert head(("connection", "keep-alive"), version="1.0").server_connection(True) == "keep-alive"
