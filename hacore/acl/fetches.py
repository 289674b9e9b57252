"""Sample fetches: what an ACL reads from a request (configuration.txt §7.3), each with the
match method HAProxy derives from the ACL keyword (`path_beg` = `path` matched with `-m beg`).

A fetch returns one sample or None ("not found"); header fetches return every occurrence,
`hdr()` splitting values on commas as HAProxy does, `fhdr()` keeping them whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hacore.acl.request import RequestView

Sample = str | int | bool | tuple[int, int]  # an address sample is (family, integer)
Fetch = Callable[[RequestView, tuple[str, ...]], Sample | None]
MultiFetch = Callable[[RequestView, tuple[str, ...]], Sequence[Sample]]


_FETCH_RE = re.compile(r"([a-z0-9_.]+)(?:\(([^)]*)\))?((?:,[a-z0-9_]+)*)")


def split_fetch(expression: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """`hdr(host,1),lower` → ("hdr", ("host", "1"), ("lower",)). Raises ValueError."""
    match = _FETCH_RE.fullmatch(expression)
    if match is None:
        raise ValueError(f"invalid fetch expression '{expression}'")
    name, args, converters = match.groups()
    arguments = tuple(a.strip() for a in args.split(",")) if args else ()
    return name, arguments, tuple(c for c in converters.split(",") if c)


def path_of(target: str) -> str | None:
    """The path of a request-target: absolute-form skips `scheme://authority`; stops at `?`."""
    if not target.startswith("/"):
        scheme_end = target.find("://")
        if scheme_end < 0:
            return None
        slash = target.find("/", scheme_end + 3)
        if slash < 0:
            return "/"
        target = target[slash:]
    query = target.find("?")
    return target if query < 0 else target[:query]


def query_of(target: str) -> str | None:
    mark = target.find("?")
    return None if mark < 0 else target[mark + 1 :]


def header_values(request: RequestView, name: str, split: bool) -> list[str]:
    return _values(request.headers, name, split)


def _values(headers: Sequence[tuple[str, str]], name: str, split: bool) -> list[str]:
    name = name.lower()
    values: list[str] = []
    for header, value in headers:
        if header == name:
            if split:
                values.extend(part.strip() for part in value.split(","))
            else:
                values.append(value.strip())
    return values


def _occurrence(values: list[str], args: tuple[str, ...]) -> list[str]:
    """`hdr(name,occ)`: occ > 0 is the n-th value, occ < 0 counts from the last one."""
    if len(args) < 2 or not values:
        return values
    occurrence = int(args[1])
    if occurrence == 0 or abs(occurrence) > len(values):
        return []
    return [values[occurrence - 1 if occurrence > 0 else occurrence]]


def _url_param(request: RequestView, args: tuple[str, ...]) -> Sample | None:
    query = query_of(request.target)
    if query is None or not args:
        return None
    prefix = args[0] + "="
    for pair in query.split(args[1] if len(args) > 1 else "&"):
        if pair.startswith(prefix):
            return pair[len(prefix) :]
    return None


def _base(request: RequestView, args: tuple[str, ...]) -> Sample | None:
    hosts = header_values(request, "host", split=False)
    path = request.path
    return None if path is None else (hosts[-1] if hosts else "") + path


_INTEGER = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: int() refuses "+-5", takes "²"


def _int_header(request: RequestView, args: tuple[str, ...]) -> Sequence[Sample]:
    values = _occurrence(header_values(request, args[0], split=True), args) if args else []
    return [int(v) for v in values if _INTEGER.fullmatch(v)]


@dataclass(frozen=True, slots=True)
class FetchSpec:
    """How to read one ACL keyword: the fetch, whether it yields several samples, the match
    method it implies, and whether it needs an argument in parentheses."""

    single: Fetch | None
    multi: MultiFetch | None
    method: str
    needs_argument: bool = False


def _single(fetch: Fetch, method: str, needs_argument: bool = False) -> FetchSpec:
    return FetchSpec(fetch, None, method, needs_argument)


def _headers(split: bool, method: str) -> FetchSpec:
    def fetch(request: RequestView, args: tuple[str, ...]) -> Sequence[Sample]:
        return _occurrence(header_values(request, args[0], split), args) if args else []

    return FetchSpec(None, fetch, method, needs_argument=True)


def _header_count(request: RequestView, args: tuple[str, ...]) -> Sample | None:
    return len(header_values(request, args[0], split=True)) if args else 0


def _path(request: RequestView, args: tuple[str, ...]) -> Sample | None:
    return request.path


def _url(request: RequestView, args: tuple[str, ...]) -> Sample | None:
    return request.target


def _query(request: RequestView, args: tuple[str, ...]) -> Sample | None:
    return query_of(request.target)


_PATH_FORMS = {"": "str", "_beg": "beg", "_end": "end", "_sub": "sub", "_reg": "reg",
               "_dir": "dir", "_dom": "dom", "_len": "len"}

FETCHES: dict[str, FetchSpec] = {
    "src": _single(lambda r, a: (r.src_family, r.src), "ip"),
    "dst": _single(lambda r, a: (r.dst_family, r.dst), "ip"),
    "src_port": _single(lambda r, a: r.src_port, "int"),
    "dst_port": _single(lambda r, a: r.dst_port, "int"),
    "method": _single(lambda r, a: r.method, "str"),
    "req.ver": _single(lambda r, a: r.version, "str"),
    "req_ver": _single(lambda r, a: r.version, "str"),
    "ssl_fc": _single(lambda r, a: r.ssl, "bool"),
    "ssl_fc_sni": _single(lambda r, a: r.sni, "str"),
    "req.ssl_sni": _single(lambda r, a: r.sni, "str"),
    "always_true": _single(lambda r, a: True, "bool"),
    "always_false": _single(lambda r, a: False, "bool"),
    "req.proto_http": _single(lambda r, a: True, "bool"),
    "query": _single(_query, "str"),
    "url_param": _single(_url_param, "str", needs_argument=True),
    "urlp": _single(_url_param, "str", needs_argument=True),
    "hdr_cnt": _single(_header_count, "int"),
    "req.hdr_cnt": _single(_header_count, "int"),
    "hdr_val": FetchSpec(None, _int_header, "int", needs_argument=True),
    "req.hdr_val": FetchSpec(None, _int_header, "int", needs_argument=True),
    "hdr_ip": FetchSpec(None, _headers(True, "ip").multi, "ip", needs_argument=True),
    "req.hdr": _headers(split=True, method="str"),
    "req.fhdr": _headers(split=False, method="str"),
    **{f"path{suffix}": _single(_path, method) for suffix, method in _PATH_FORMS.items()},
    **{f"url{suffix}": _single(_url, method) for suffix, method in _PATH_FORMS.items()},
    **{f"base{suffix}": _single(_base, method) for suffix, method in _PATH_FORMS.items()},
    **{f"hdr{suffix}": _headers(True, method) for suffix, method in _PATH_FORMS.items()},
}


def _response_headers(split: bool) -> FetchSpec:
    """`res.hdr()`/`res.fhdr()`: the response's headers, which only a response rule's view
    carries (`response_headers`); elsewhere there are none."""
    def fetch(request: RequestView, args: tuple[str, ...]) -> Sequence[Sample]:
        headers = getattr(request, "response_headers", ())
        return _occurrence(_values(headers, args[0], split), args) if args else []

    return FetchSpec(None, fetch, "str", needs_argument=True)


FETCHES.update({
    "status": _single(lambda r, a: getattr(r, "status", None), "int"),
    "res.ver": _single(lambda r, a: getattr(r, "response_version", None), "str"),
    "res.hdr": _response_headers(split=True),
    "res.fhdr": _response_headers(split=False),
    "res.hdr_cnt": _single(lambda r, a: len(_values(getattr(r, "response_headers", ()), a[0],
                                                    True)) if a else 0, "int"),
})
# Where a fetch reads (sample.c SMP_USE_*): the response, the connection (either side may
# use it), or the request (everything else). A rule on the other side never matches it.
RESPONSE_FETCHES = frozenset({"status", "res.ver", "res.hdr", "res.fhdr", "res.hdr_cnt"})
CONNECTION_FETCHES = frozenset({"src", "dst", "src_port", "dst_port", "ssl_fc", "ssl_fc_sni",
                                "always_true", "always_false"})


def fetch_side(name: str) -> str:
    """'response', 'request', or 'any' (connection-level)."""
    if name in RESPONSE_FETCHES:
        return "response"
    return "any" if name in CONNECTION_FETCHES else "request"


# Converters applied after a fetch (`hdr(host),lower`), for string samples.
CONVERTERS: dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper}

# Fetches that read arguments in parentheses (the others take none), and those whose second
# argument is an occurrence number (`hdr(host,-1)`).
_WITH_ARGUMENTS = frozenset(
    name for name, spec in FETCHES.items() if spec.needs_argument) | {
        "hdr_cnt", "req.hdr_cnt", "res.hdr_cnt"}
_OCCURRENCE = frozenset(name for name in _WITH_ARGUMENTS if name.startswith((
    "hdr", "req.hdr", "req.fhdr", "res.hdr", "res.fhdr")) and "cnt" not in name)


def argument_error(name: str, args: tuple[str, ...], after: str) -> str | None:
    """haproxy's complaint about a known fetch's arguments (sample.c, arg.c), or None.
    `after`: the expression's text after its opening parenthesis, as haproxy quotes it."""
    if args and name not in _WITH_ARGUMENTS:
        return f"expected ')' before '{after}'"
    if name in _OCCURRENCE and len(args) > 1 and not re.fullmatch(r"[+-]?[0-9]+", args[1]):
        return f"failed to parse '{args[1]}' as type 'integer' at position 2"
    return None
