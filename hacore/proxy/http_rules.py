"""`http-request` rules and `redirect` rules of a frontend, compiled once, applied to each
request head in HAProxy's order (http-request rules first, then redirects; configuration.txt
§4.2): the first deny/return/redirect ends the request with a response from the proxy;
`allow` ends the evaluation. Header values and `lf-string` payloads are log-format strings
(hacore.http.log_format), rendered per request only when they hold a `%` term."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from hacore.acl.compile import Predicate, compile_condition, compile_named_acls
from hacore.acl.request import RequestView
from hacore.config.haproxy_model import (
    AclDeclaration,
    Condition,
    Frontend,
    HeaderAction,
    HttpRule,
    Redirect,
    ReplyAction,
)
from hacore.http.errors import ERRORS, RULE_PAGES, reason, redirect
from hacore.http.log_format import Renderer, Term, renderer
from hacore.http.message import RequestHead

# The proxy's own answer to a request, whether the connection closes after it, and
# whether it is an errorfile's contents (re-framed as haproxy writes it out).
Answer = tuple[bytes, bool, bool]
Action = Callable[[RequestHead], Answer | None]
_ALLOW: Answer = (b"", False, False)  # ends the rules without an answer of its own


@dataclass(frozen=True, slots=True)
class _Rule:
    test: Predicate | None
    act: Action
    termination: str  # the log's flags when it answers: PR-- (deny) or LR-- (local reply)


def _value(terms: tuple[Term, ...], frontend: str) -> Callable[[RequestHead], str]:
    rendered = renderer(terms, frontend)
    if isinstance(rendered, str):
        return lambda head: rendered
    return rendered


def _names_matching(method: str, pattern: str) -> Callable[[str], bool]:
    """del-header `-m`: how a header name is compared with the rule's (names are lowercase)."""
    if method == "beg":
        return lambda name: name.startswith(pattern)
    if method == "end":
        return lambda name: name.endswith(pattern)
    if method == "sub":
        return lambda name: pattern in name
    if method == "reg":
        compiled = re.compile(pattern, re.IGNORECASE)
        return lambda name: compiled.search(name) is not None
    return lambda name: name == pattern


def _header_action(action: str, spec: HeaderAction, frontend: str) -> Action:
    name = spec.name
    if action == "del-header":
        if spec.method == "str":
            def delete(head: RequestHead) -> None:
                head.del_header(name)
        else:
            matches = _names_matching(spec.method, name)

            def delete(head: RequestHead) -> None:
                for header in {n for n, _ in head.headers if matches(n)}:
                    head.del_header(header)
        return delete
    value = _value(spec.value, frontend)
    if action == "set-header":
        def set_header(head: RequestHead) -> None:
            head.set_header(name, value(head))
        return set_header

    def add_header(head: RequestHead) -> None:
        head.add_header(name, value(head))
    return add_header


def _reply_action(spec: ReplyAction, frontend: str, errorfiles: dict[int, bytes]) -> Action:
    """http_reply_to_htx(): the error page (an errorfile of the proxy when it has one for
    the status); else the status line, `hdr` lines,
    content-length (none for 204), content-type and the payload."""
    if spec.error_page:
        if spec.status in errorfiles:
            answer: Answer = (errorfiles[spec.status], False, True)
        else:
            answer = (RULE_PAGES[spec.status], spec.status in (400, 408), False)
        return lambda head: answer
    status_line = f"HTTP/1.1 {spec.status} {reason(spec.status)}\r\n"
    headers = [(name, _value(terms, frontend)) for name, terms in spec.headers]
    content_type = f"content-type: {spec.content_type}\r\n" if spec.content_type else ""
    payload: bytes | Renderer = (spec.payload if isinstance(spec.payload, bytes)
                                 else _payload(spec.payload, frontend))

    def build(head: RequestHead) -> Answer:
        body = payload if isinstance(payload, bytes) else payload(head).encode("latin-1")
        lines = "".join(f"{name}: {value(head)}\r\n" for name, value in headers)
        length = "" if spec.status == 204 else f"content-length: {len(body)}\r\n"
        return (f"{status_line}{lines}{length}{content_type}\r\n".encode("latin-1") + body,
                False, False)

    if not spec.headers and isinstance(payload, bytes):
        fixed = build(RequestHead("GET", "/", "1.1", []))  # the same bytes every time
        return lambda head: fixed
    return build


def _payload(terms: tuple[Term, ...], frontend: str) -> bytes | Renderer:
    rendered = renderer(terms, frontend)
    return rendered.encode("latin-1") if isinstance(rendered, str) else rendered


def _location(rule: Redirect, head: RequestHead) -> str:
    """http_apply_redirect_rule(): `location` is taken as is; `prefix` and `scheme` keep the
    request's path (of an absolute-form target too) with its query unless `drop-query`,
    `append-slash` adds a slash at the very end (after the query, as haproxy does), a
    prefix of exactly "/" adds nothing, and `scheme` takes the Host header."""
    if rule.kind == "location":
        return rule.target
    path = head.target
    if not path.startswith("/"):
        scheme_end = path.find("://")
        slash = path.find("/", scheme_end + 3) if scheme_end >= 0 else -1
        path = path[slash:] if slash >= 0 else ""
    if "drop-query" in rule.options:
        path = path.split("?", 1)[0]
    if "append-slash" in rule.options and not path.endswith("/"):
        path += "/"
    if rule.kind == "prefix":
        return ("" if rule.target == "/" else rule.target) + path
    return f"{rule.target}://{head.get('host') or ''}{path}"


def _redirect_action(rule: Redirect) -> Action:
    return lambda head: (redirect(rule.code, _location(rule, head)), False, False)


def compile_rule(rule: HttpRule, frontend: str, errorfiles: dict[int, bytes]) -> Action:
    spec = rule.spec
    if isinstance(spec, HeaderAction):
        return _header_action(rule.action, spec, frontend)
    if isinstance(spec, ReplyAction):
        return _reply_action(spec, frontend, errorfiles)
    if isinstance(spec, Redirect):
        return _redirect_action(spec)
    return lambda head: _ALLOW


class ResponseView:
    """What a response rule's condition reads: the response's status, version and headers
    (`status`, `res.hdr()`...), and the connection's facts from the request (`src`...);
    request fetches never match here (compiled so)."""

    __slots__ = ("request", "response_headers", "response_version", "status")

    def __init__(self, request: RequestHead, headers: list[tuple[str, str]], status: int,
                 version: str) -> None:
        self.request, self.response_headers = request, headers
        self.status, self.response_version = status, version

    def __getattr__(self, name: str) -> object:
        return getattr(self.request, name)


class ResponseRules:
    """`http-response set-header|add-header|del-header` of the frontend then the backend,
    applied to each response head in order."""

    __slots__ = ("conditional", "rules")

    def __init__(self, rules: list[HttpRule], acls: list[AclDeclaration],
                 frontend: str = "") -> None:
        named = compile_named_acls(acls, "response")
        self.conditional = any(rule.condition is not None for rule in rules)
        self.rules = []
        for rule in rules:
            spec = rule.spec
            assert isinstance(spec, HeaderAction)  # the only http-response actions read
            self.rules.append((
                None if rule.condition is None else compile_condition(rule.condition, named,
                                                                      "response"),
                spec.name,
                # set-header and del-header remove what matches first; add-header nothing
                None if rule.action == "add-header" else _names_matching(spec.method, spec.name),
                None if rule.action == "del-header" else _value(spec.value, frontend)))

    def apply(self, request: RequestHead, headers: list[tuple[str, str]], status: int = 200,
              version: str = "1.1") -> list[tuple[str, str]]:
        view = ResponseView(request, headers, status, version) if self.conditional else None
        for test, name, removes, value in self.rules:
            if test is not None and view is not None:
                view.response_headers = headers  # each condition sees the edits before it
                if not test(cast(RequestView, view)):
                    continue
            if removes is not None:
                headers = [(n, v) for n, v in headers if not removes(n)]
            if value is not None:
                headers.append((name, value(request)))
        return headers


class RequestRules:
    __slots__ = ("rules",)

    def __init__(self, frontend: Frontend, pages: dict[int, bytes]) -> None:
        named = compile_named_acls(frontend.settings.acls)
        errorfiles = {code: page for code, page in pages.items() if ERRORS.get(code) != page}

        def test(condition: Condition | None) -> Predicate | None:
            return None if condition is None else compile_condition(condition, named)

        self.rules = [_Rule(test(r.condition), compile_rule(r, frontend.name, errorfiles),
                            "PR--" if r.action == "deny" else "LR--")
                      for r in frontend.settings.http_request_rules]
        self.rules += [_Rule(test(r.condition), _redirect_action(r), "LR--")
                       for r in frontend.redirects]

    def apply(self, head: RequestHead) -> tuple[Answer, str] | None:
        """The proxy's own response when a rule ends the request, with the log's termination
        flags; else None (head edited)."""
        for entry in self.rules:
            if entry.test is not None and not entry.test(head):
                continue
            answer = entry.act(head)
            if answer is _ALLOW:
                return None
            if answer is not None:
                return answer, entry.termination
        return None
