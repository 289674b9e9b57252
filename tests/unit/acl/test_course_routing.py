"""The course's ACL block routes a table of requests (path, source) to the expected backends."""

from __future__ import annotations

import pytest

from hacore.acl.router import compile_router
from tests.conftest import COURSE
from tests.unit.acl.helpers import Request, frontend

FRAGMENT = (COURSE / "haproxy-acl-routing.cfg.fragment").read_text()
RULES = FRAGMENT[FRAGMENT.index("    # ACLs"):FRAGMENT.index("\nbackend api_back")]
ROUTER = compile_router(frontend(RULES, ("api_back", "static_back", "admin_back", "http_back")))

TABLE = [
    ("/api/users", "10.0.0.1", "api_back"),
    ("/api", "192.168.1.20", "api_back"),
    ("/apiary", "10.0.0.1", "api_back"),            # path_beg is a plain prefix
    ("/api/logo.png", "10.0.0.1", "api_back"),      # first matching rule wins
    ("/static/logo.png", "10.0.0.1", "static_back"),
    ("/site.css", "10.0.0.1", "static_back"),
    ("/app.js?v=3", "10.0.0.1", "static_back"),     # path stops before the query string
    ("/LOGO.PNG", "10.0.0.1", "http_back"),         # no -i: case matters
    ("/logo.png.bak", "10.0.0.1", "http_back"),
    ("/admin", "192.168.1.50", "admin_back"),       # is_admin is_internal: both hold
    ("/admin/users?id=1", "192.168.1.254", "admin_back"),
    ("/admin", "10.0.0.1", "http_back"),            # not internal: falls to default_backend
    ("/admin", "192.168.2.1", "http_back"),
    ("/admin", "::ffff:192.168.1.7", "admin_back"),  # v4-mapped IPv6 source
    ("/admin", "2001:db8::1", "http_back"),
    ("/", "192.168.1.50", "http_back"),
    ("/index.html", "10.0.0.1", "http_back"),
    ("http://example.com/api/v1", "10.0.0.1", "api_back"),  # absolute-form target
]


@pytest.mark.parametrize(("target", "source", "backend"), TABLE)
def test_course_acl_routing(target: str, source: str, backend: str) -> None:
    assert ROUTER.route(Request(target=target, source=source)) == backend
