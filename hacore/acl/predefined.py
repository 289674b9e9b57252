"""HAProxy's predefined ACLs (configuration.txt §7.4): name → (fetch, patterns).

The ones whose fetch hacore does not evaluate (`REQ_CONTENT`, `RDP_COOKIE`, `WAIT_END`) are
listed apart so that a configuration using them is refused at load, not mis-evaluated.
"""

from __future__ import annotations

PREDEFINED_ACLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "FALSE": ("always_false", ()),
    "TRUE": ("always_true", ()),
    "LOCALHOST": ("src", ("127.0.0.1/8", "::1")),
    "HTTP": ("req.proto_http", ()),
    "HTTP_1.0": ("req.ver", ("1.0",)),
    "HTTP_1.1": ("req.ver", ("1.1",)),
    "HTTP_2.0": ("req.ver", ("2.0",)),
    "HTTP_3.0": ("req.ver", ("3.0",)),
    "HTTP_CONTENT": ("req.hdr_val(content-length)", ("gt", "0")),
    "HTTP_URL_ABS": ("url_reg", ("^[^/:]*://",)),
    "HTTP_URL_SLASH": ("url_beg", ("/",)),
    "HTTP_URL_STAR": ("url", ("*",)),
    "METH_CONNECT": ("method", ("CONNECT",)),
    "METH_DELETE": ("method", ("DELETE",)),
    "METH_GET": ("method", ("GET", "HEAD")),
    "METH_HEAD": ("method", ("HEAD",)),
    "METH_OPTIONS": ("method", ("OPTIONS",)),
    "METH_POST": ("method", ("POST",)),
    "METH_PUT": ("method", ("PUT",)),
    "METH_TRACE": ("method", ("TRACE",)),
}
UNSUPPORTED_PREDEFINED = frozenset({"REQ_CONTENT", "RDP_COOKIE", "WAIT_END"})
