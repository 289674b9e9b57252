"""Log-format strings in header values and replies: terms as read, values as rendered for a
request (exact strings), and nothing computed per request for a constant value."""

from __future__ import annotations

import pytest

from hacore.http.log_format import Term, parse_log_format, renderer
from hacore.http.message import RequestHead


def _request() -> RequestHead:
    head = RequestHead("GET", "/a?b=1", "1.1", [("host", "Shop.Example"), ("x-id", "1"),
                                               ("x-id", "2")])
    head.src_family, head.src, head.src_port = 4, 0x7F000001, 40000
    head.dst_family, head.dst, head.dst_port = 6, 1, 443
    return head


def test_terms() -> None:
    assert parse_log_format("a%%b %[src] %ci:%cp") == (
        Term("text", "a%b "), Term("sample", "src"), Term("text", " "), Term("var", "ci"),
        Term("text", ":"), Term("var", "cp"))


@pytest.mark.parametrize(("text", "rendered"), [
    ("%[src]", "127.0.0.1"),
    ("%[dst] %fi %fp", "::1 ::1 443"),
    ("%[req.hdr(host),lower]", "shop.example"),
    ("%[req.hdr(x-id)]", "2"),  # a sample fetch reads the last occurrence
    ("%[req.hdr(x-none)]|", "|"),
    ("%[ssl_fc] %[path] %[query]", "0 /a b=1"),
    ("%f %ci:%cp 100%%", "fe 127.0.0.1:40000 100%"),
])
def test_rendered_for_a_request(text: str, rendered: str) -> None:
    render = renderer(parse_log_format(text), "fe")
    assert not isinstance(render, str)
    assert render(_request()) == rendered


def test_a_constant_value_is_rendered_once() -> None:
    assert renderer(parse_log_format("plain 100%%"), "fe") == "plain 100%"


@pytest.mark.parametrize(("text", "message"), [
    ("%", "truncated line after '%'"),
    ("%[src", "missing ']' after 'src'"),
    ("%[path_beg]", "failed to parse sample expression <path_beg]> : unknown fetch method "
                    "'path_beg'"),
    ("%[src,base64]", "failed to parse sample expression <src,base64]> : unknown converter "
                      "'base64'"),
    ("%zz", "no such format variable 'zz'. If you wanted to emit the '%' character verbatim, "
            "you need to use '%%'"),
    ("%Tq", "log-format variable '%Tq' is not supported by hacore in header values and "
            "replies (supported: %ci %cp %fi %fp %f %H)"),
])
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_log_format(text)
    assert str(raised.value) == message
