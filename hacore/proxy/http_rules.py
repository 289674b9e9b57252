"""`http-request` rules and `redirect` rules of a frontend, compiled once, applied to each
request head in HAProxy's order (http-request rules first, then redirects; configuration.txt
§4.2): the first deny/return/redirect ends the request with a response from the proxy."""

from __future__ import annotations

from dataclasses import dataclass

from hacore.acl.compile import Predicate, compile_condition, compile_named_acls
from hacore.config.haproxy_model import AclDeclaration, Condition, Frontend, HttpRule, Redirect
from hacore.http.errors import redirect
from hacore.http.message import RequestHead


@dataclass(frozen=True, slots=True)
class _Rule:
    test: Predicate | None
    rule: HttpRule | Redirect


class ResponseRules:
    """`http-response set-header|add-header|del-header` of the frontend then the backend,
    applied to each response head in order."""

    __slots__ = ("rules",)

    def __init__(self, rules: list[HttpRule], acls: list[AclDeclaration]) -> None:
        named = compile_named_acls(acls)
        self.rules = [(None if r.condition is None else compile_condition(r.condition, named), r)
                      for r in rules]

    def apply(self, request: RequestHead, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        for test, rule in self.rules:
            if test is not None and not test(request):
                continue
            name = rule.args[0].lower() if rule.args else ""
            if rule.action == "set-header":
                headers = [(n, v) for n, v in headers if n != name]
                headers.append((name, " ".join(rule.args[1:])))
            elif rule.action == "add-header":
                headers.append((name, " ".join(rule.args[1:])))
            elif rule.action == "del-header":
                headers = [(n, v) for n, v in headers if n != name]
        return headers


class RequestRules:
    __slots__ = ("pages", "rules")

    def __init__(self, frontend: Frontend, pages: dict[int, bytes]) -> None:
        self.pages = pages
        named = compile_named_acls(frontend.settings.acls)

        def test(condition: Condition | None) -> Predicate | None:
            return None if condition is None else compile_condition(condition, named)

        self.rules = [_Rule(test(r.condition), r) for r in frontend.settings.http_request_rules]
        self.rules += [_Rule(test(r.condition), r) for r in frontend.redirects]

    def apply(self, head: RequestHead) -> bytes | None:
        """The proxy's own response when a rule ends the request, else None (head edited)."""
        for entry in self.rules:
            if entry.test is not None and not entry.test(head):
                continue
            rule = entry.rule
            if isinstance(rule, Redirect):
                return redirect(rule.code, _location(rule, head))
            answer = _http_request(rule, head, self.pages)
            if answer is not None or rule.action == "allow":
                return answer
        return None


def _http_request(rule: HttpRule, head: RequestHead, pages: dict[int, bytes]) -> bytes | None:
    args = rule.args
    if rule.action == "deny":
        status = int(args[args.index("deny_status") + 1]) if "deny_status" in args else 403
        return pages.get(status, pages[403])
    if rule.action == "return":
        status = int(args[args.index("status") + 1]) if "status" in args else 200
        return pages.get(status) or f"HTTP/1.1 {status} OK\r\ncontent-length: 0\r\n\r\n".encode()
    if rule.action == "redirect" and len(args) >= 2:
        code = int(args[args.index("code") + 1]) if "code" in args else 302
        options = tuple(a for a in args[2:] if a in ("drop-query", "append-slash"))
        as_redirect = Redirect(rule.location, args[0], args[1], code, options, None)
        return redirect(code, _location(as_redirect, head))
    if rule.action in ("set-header", "add-header") and len(args) >= 2:
        name, value = args[0].lower(), " ".join(args[1:])
        if rule.action == "set-header":
            head.set_header(name, value)
        else:
            head.add_header(name, value)
    elif rule.action == "del-header" and args:
        head.del_header(args[0].lower())
    return None


def _location(rule: Redirect, head: RequestHead) -> str:
    """configuration.txt `redirect`: `scheme` keeps host and URI, `prefix` keeps the URI,
    `location` replaces it all; `drop-query` removes the query string."""
    target = head.target
    if "drop-query" in rule.options:
        target = target.split("?", 1)[0]
    if rule.kind == "location":
        return rule.target
    if rule.kind == "prefix":
        return rule.target.rstrip("/") + target
    host = head.get("host") or ""
    return f"{rule.target}://{host}{target}"
