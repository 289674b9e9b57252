"""ACL fetches, match methods, flags and condition logic, one table row per rule: the acl
lines, the condition, a request, and whether the condition holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from hacore.acl.router import compile_router
from tests.unit.acl.helpers import Request, frontend

H = [("host", "www.Example.com"), ("x-forwarded-for", "1.1.1.1, 2.2.2.2"),
     ("x-forwarded-for", "3.3.3.3"), ("content-length", "12"), ("cookie", "a=1")]

CASES = [
    # path family
    ("acl a path /x", "a", Request(target="/x?y"), True),
    ("acl a path /x", "a", Request(target="/x/"), False),
    ("acl a path_beg -i /API", "a", Request(target="/api/v1"), True),
    ("acl a path_end .JPG", "a", Request(target="/a.jpg"), False),
    ("acl a path_sub admin", "a", Request(target="/x/admin/y"), True),
    ("acl a path_reg ^/v[0-9]+/", "a", Request(target="/v12/x"), True),
    ("acl a path_dir img", "a", Request(target="/static/img/logo.png"), True),
    ("acl a path_dir img", "a", Request(target="/static/images/logo.png"), False),
    ("acl a path_dir /static/img/", "a", Request(target="/static/img/x"), True),
    ("acl a path_len 2:4", "a", Request(target="/abc"), True),
    ("acl a path_len gt 4", "a", Request(target="/abc"), False),
    ("acl a path -m beg /a /b", "a", Request(target="/bcd"), True),
    # url and query
    ("acl a url_beg /x?", "a", Request(target="/x?y=1"), True),
    ("acl a url_param(id) 42", "a", Request(target="/u?x=1&id=42"), True),
    ("acl a url_param(id) 42", "a", Request(target="/u?id=421"), False),
    ("acl a urlp(id) -m found", "a", Request(target="/u"), False),
    ("acl a query -m sub debug", "a", Request(target="/u?debug=1"), True),
    # method and version
    ("acl a method POST PUT", "a", Request(method="PUT"), True),
    ("acl a method POST", "a", Request(method="post"), False),
    ("", "METH_GET", Request(method="HEAD"), True),
    ("", "HTTP_1.1", Request(version="1.0"), False),
    ("", "HTTP_URL_ABS", Request(target="http://h/x"), True),
    # headers
    ("acl a hdr(host) -i www.example.com", "a", Request(headers=H), True),
    ("acl a hdr(Host) www.example.com", "a", Request(headers=H), False),
    ("acl a hdr(host),lower www.example.com", "a", Request(headers=H), True),
    ("acl a hdr_dom(host) -i example.com", "a", Request(headers=H), True),
    ("acl a hdr_dom(host) -i ample.com", "a", Request(headers=H), False),
    ("acl a hdr_beg(host) -i www.", "a", Request(headers=H), True),
    ("acl a hdr(x-forwarded-for) 2.2.2.2", "a", Request(headers=H), True),
    ("acl a hdr(x-forwarded-for,1) 2.2.2.2", "a", Request(headers=H), False),
    ("acl a hdr(x-forwarded-for,-1) 3.3.3.3", "a", Request(headers=H), True),
    ("acl a req.fhdr(x-forwarded-for) 2.2.2.2", "a", Request(headers=H), False),
    ("acl a hdr_cnt(x-forwarded-for) 3", "a", Request(headers=H), True),
    ("acl a hdr_ip(x-forwarded-for) 3.3.3.0/24", "a", Request(headers=H), True),
    ("acl a hdr_val(content-length) gt 10", "a", Request(headers=H), True),
    ("acl a hdr(x-missing) -m found", "a", Request(headers=H), False),
    ("acl a hdr(cookie) -m found", "a", Request(headers=H), True),
    ("", "HTTP_CONTENT", Request(headers=H), True),
    # addresses and ports
    ("acl a src 10.0.0.0/8 192.168.0.1", "a", Request(source="10.9.8.7"), True),
    ("acl a src 10.0.0.0/8", "a", Request(source="11.0.0.1"), False),
    ("acl a src 2001:db8::/32", "a", Request(source="2001:db8::5"), True),
    ("acl a src 10.0.0.0/8", "a", Request(source="2001:db8::5"), False),
    ("", "LOCALHOST", Request(source="127.0.0.2"), True),
    ("", "LOCALHOST", Request(source="::1"), True),
    ("acl a dst 198.18.0.100", "a", Request(), True),
    ("acl a dst_port 80 443", "a", Request(dst_port=443), True),
    ("acl a dst_port 1024:", "a", Request(dst_port=80), False),
    ("acl a src_port lt 1024", "a", Request(src_port=80), True),
    # tls
    ("", "{ ssl_fc }", Request(ssl=True), True),
    ("", "!{ ssl_fc }", Request(ssl=False), True),
    ("acl a ssl_fc_sni -i api.example.com", "a", Request(ssl=True, sni="API.example.com"), True),
    # logic
    ("acl a path_beg /a\nacl b src 10.0.0.1", "a b", Request(target="/a"), True),
    ("acl a path_beg /a\nacl b src 10.0.0.2", "a b", Request(target="/a"), False),
    ("acl a path_beg /a\nacl b src 10.0.0.2", "a || b", Request(target="/a"), True),
    ("acl a path_beg /a\nacl b src 10.0.0.2", "b or !a", Request(target="/z"), True),
    ("acl a path_beg /a\nacl b src 10.0.0.2", "! a", Request(target="/a"), False),
    ("acl a path_beg /a\nacl a path_beg /b", "a", Request(target="/b"), True),
    ("", "TRUE FALSE or TRUE", Request(), True),
    ("acl a path_beg /a", "{ path_beg /b } or a", Request(target="/a"), True),
]


@pytest.mark.parametrize(("acls", "condition", "request_", "expected"), CASES)
def test_condition(acls: str, condition: str, request_: Request, expected: bool) -> None:
    body = "".join(f"    {line}\n" for line in acls.splitlines() if line)
    body += f"    use_backend yes if {condition}\n    default_backend no\n"
    router = compile_router(frontend(body, ("yes", "no")))
    assert router.route(request_) == ("yes" if expected else "no")


def test_unless_and_unconditional_rules() -> None:
    body = ("    acl a path_beg /a\n    use_backend first unless a\n"
            "    use_backend second\n    default_backend no\n")
    router = compile_router(frontend(body, ("first", "second", "no")))
    assert [router.route(Request(target=t)) for t in ("/b", "/a")] == ["first", "second"]


def test_first_matching_rule_wins_and_no_default() -> None:
    body = "    use_backend one if { path_beg /x }\n    use_backend two if { path_beg /x/y }\n"
    router = compile_router(frontend(body, ("one", "two")))
    assert [router.route(Request(target=t)) for t in ("/x/y", "/z")] == ["one", None]


def test_pattern_file(tmp_path: Path) -> None:
    patterns = tmp_path / "networks.lst"
    patterns.write_text("# internal ranges\n10.0.0.0/8\n\n  192.168.0.0/16  \n")
    body = f"    acl a src -f {patterns}\n    use_backend yes if a\n    default_backend no\n"
    router = compile_router(frontend(body, ("yes", "no")))
    assert [router.route(Request(source=s)) for s in ("192.168.3.4", "172.16.0.1")] == ["yes", "no"]
