"""RequestHead: the `connection` tokens are read once, and again after every header edit."""

from __future__ import annotations

import pytest

from hacore.http.errors import ERRORS
from hacore.http.message import RequestHead, htx_size, reply_size, serialize_response


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


def test_a_chunked_message_keeps_its_framing_when_a_rule_drops_it() -> None:
    """http-request/http-response del-header transfer-encoding on a chunked body: the body
    is still sent chunked, so the header comes back (HAProxy's H1 output does the same)."""
    request = head(("host", "a"))
    request.chunked = True
    assert request.serialize(None) == (b"GET / HTTP/1.1\r\nhost: a\r\n"
                                       b"transfer-encoding: chunked\r\n\r\n")
    assert serialize_response("1.1", 200, "OK", [("x", "1")], keep_alive=True,
                              client_version="1.1", chunked=True) == (
        b"HTTP/1.1 200 OK\r\nx: 1\r\ntransfer-encoding: chunked\r\n\r\n")
    assert serialize_response("1.1", 200, "OK", [("transfer-encoding", "gzip, chunked")],
                              keep_alive=True, client_version="1.1", chunked=True) == (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n")


@pytest.mark.parametrize(("status", "reason", "headers", "size"), [
    (200, "OK", [("content-length", "5")], 49),  # + 5 body bytes: haproxy logs 54
    (200, "Okay", [("content-length", "5")], 51),
    (200, "OK", [("content-length", "5"), ("a", "b")], 51),
    (204, "No Content", [], 42),
])
def test_htx_size_is_what_haproxy_logs_of_a_head(status: int, reason: str,
                                                headers: list[tuple[str, str]],
                                                size: int) -> None:
    assert htx_size(status, reason, headers) == size


def test_reply_size_counts_a_page_and_its_body_unless_head() -> None:
    assert reply_size(ERRORS[503], with_body=True) == 217  # haproxy 2.6.12's log
    assert reply_size(ERRORS[503], with_body=False) == 110
    assert reply_size(b"HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /x\r\n"
                      b"cache-control: no-cache\r\n\r\n", with_body=True) == 83
