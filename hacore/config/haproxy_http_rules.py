"""`http-request`, `http-response` and `redirect` rules (configuration.txt §4.2), read into
what they mean and checked as haproxy 2.6 checks them (http_act.c, http_htx.c
http_parse_http_reply(), http_rules.c http_parse_redirect_rule()): same words in any
order, same messages. Header values and `lf-string` payloads are log-format strings."""

from __future__ import annotations

import re
from pathlib import Path

from hacore.acl.fetches import fetch_side, split_fetch
from hacore.acl.predefined import PREDEFINED_ACLS
from hacore.config.errors import Diagnostics, Location
from hacore.config.haproxy_acl import parse_condition, split_condition
from hacore.config.haproxy_model import Condition, HeaderAction, HttpRule, Redirect, ReplyAction
from hacore.config.haproxy_proxy import ProxyBuilder
from hacore.config.values import is_decimal
from hacore.http.errors import RULE_PAGES
from hacore.http.log_format import Term, parse_log_format

HTTP_REQUEST_ACTIONS = ("set-header", "add-header", "del-header", "deny", "return", "redirect",
                        "allow")
HTTP_RESPONSE_ACTIONS = ("set-header", "add-header", "del-header")
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
REDIRECT_WORDS = ("'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', "
                  "'drop-query', 'ignore-empty' or 'append-slash'")
DEL_HEADER_METHODS = frozenset({"str", "beg", "end", "sub", "reg"})
_PAYLOADS = ("string", "lf-string", "file", "lf-file")


def wire(text: str) -> str:
    """A configuration word as the bytes haproxy sends (the file's UTF-8), held as a latin-1
    string like every header the proxy forwards, so that one latin-1 encoding writes them."""
    return text.encode("utf-8").decode("latin-1")


class TrailingWordError(ValueError):
    """A word left after the action's arguments, where `if`/`unless` was due."""


def parse_redirect(words: list[str]) -> tuple[str, str, int, tuple[str, ...]]:
    """(kind, target, code, options) of `redirect`/`http-request redirect` words."""
    kind = target = None
    code, options, index = 302, [], 0
    while index < len(words):
        word = words[index]
        if word in ("location", "prefix", "scheme"):
            if index + 1 >= len(words):
                raise ValueError(f"missing argument for '{word}'")
            kind, target = word, wire(words[index + 1])
            index += 2
        elif word == "code":
            value = words[index + 1] if index + 1 < len(words) else ""
            if not is_decimal(value) or int(value) not in REDIRECT_CODES:
                raise ValueError(f"'code': unsupported HTTP code '{value}' (must be one of 301, "
                                 "302, 303, 307 or 308)")
            code, index = int(value), index + 2
        elif word in ("drop-query", "append-slash", "ignore-empty"):
            options.append(word)
            index += 1
        elif word in ("set-cookie", "clear-cookie"):
            raise ValueError(f"'{word}' is a redirect option hacore does not support")
        else:
            raise ValueError(f"expects {REDIRECT_WORDS} (was '{word}')")
    if kind is None or target is None:
        raise ValueError("redirection type expected ('prefix', 'location', or 'scheme')")
    return kind, target, code, tuple(options)


def parse_action(action: str, words: list[str], loc: Location, out: Diagnostics
                 ) -> HeaderAction | ReplyAction | Redirect | None:
    """`words` follow the action name, up to the condition. Raises TrailingWordError for a word
    the action does not take, ValueError for a bad argument."""
    if action in ("set-header", "add-header"):
        if len(words) < 2:
            raise ValueError("expects exactly 2 arguments")
        _no_more(words, 2)
        return HeaderAction(words[0].lower(), parse_log_format(wire(words[1])))
    if action == "del-header":
        if not words:
            raise ValueError("expects at least 1 argument")
        method = "str"
        if len(words) > 1 and words[1] == "-m":
            if len(words) < 3:
                raise ValueError("-m flag expects exactly 1 argument")
            method = words[2]
            if method not in DEL_HEADER_METHODS:
                raise ValueError(f"-m with unsupported matching method '{method}'")
            if method == "reg":
                try:
                    re.compile(words[0])
                except re.error as error:
                    raise ValueError(f"regex '{words[0]}' is invalid (error={error.msg}, "
                                     f"erroffset={error.pos})") from None
            _no_more(words, 3)
        else:
            _no_more(words, 1)
        return HeaderAction(words[0].lower(), (), method)
    if action in ("deny", "return"):
        return _reply(action, words, loc, out)
    if action == "redirect":
        kind, target, code, options = parse_redirect(words)
        return Redirect(loc, kind, target, code, options, None)
    _no_more(words, 0)  # allow
    return None


def _no_more(words: list[str], taken: int) -> None:
    if len(words) > taken:
        raise TrailingWordError(words[taken])


def _status(text: str, low: int = 200) -> int:
    value = int(text) if is_decimal(text) else 0
    if not low <= value <= 599:
        raise ValueError(f"Unexpected status code '{value}'")
    return value


def _reply(action: str, words: list[str], loc: Location, out: Diagnostics) -> ReplyAction:
    """http_parse_http_reply(): deny's default is the 403 page, `deny_status` picks another
    page, `status` alone (deny or return) answers with no body."""
    status, error_page = (403, True) if action == "deny" else (200, False)
    content_type: str | None = None
    payload: bytes | tuple[Term, ...] = b""
    headers: list[tuple[str, tuple[Term, ...]]] = []
    index = 0
    while index < len(words):
        word, value = words[index], words[index + 1] if index + 1 < len(words) else None
        if word in ("status", "deny_status") and (word == "status" or action == "deny"):
            status, error_page = _status(value or ""), word == "deny_status"
        elif word == "content-type" and value is not None:
            content_type = value
        elif word in _PAYLOADS:
            if value is None:
                raise ValueError(f"'{word}' expects <{'str' if 'string' in word else 'file'}> "
                                 "as argument")
            raw = wire(value).encode("latin-1") if word.endswith("string") else _read(value)
            payload = (parse_log_format(raw.decode("latin-1")) if word.startswith("lf-")
                       else raw)
            error_page = False
        elif word == "default-errorfiles":
            error_page, index = True, index + 1
            continue
        elif word in ("errorfile", "errorfiles"):
            raise ValueError(f"'{word}' in an http reply is not supported by hacore (use "
                             "'string', 'lf-string', 'file' or 'lf-file')")
        elif word == "hdr":
            if index + 2 >= len(words):
                raise ValueError("'hdr' expects <name> and <value> as arguments")
            headers.append((words[index + 1].lower(), parse_log_format(wire(words[index + 2]))))
            index += 3
            continue
        else:
            raise TrailingWordError(word)
        index += 2
    if error_page and status not in RULE_PAGES:
        raise ValueError(f"status code '{status}' not handled by default with "
                         "'default-errorfiles' argument")
    if payload and status in (204, 304):
        raise ValueError(f"No body expected for {status} responses")
    if payload and content_type is None:
        raise ValueError("a content type must be defined with a log-format payload"
                         if isinstance(payload, tuple) else
                         "a content type must be defined when non-empty payload is configured")
    if content_type is not None and not payload and not error_page:
        out.warn(loc, f"content-type '{content_type}' ignored by the http reply because "
                      "neither errorfile nor payload defined.")
        content_type = None
    return ReplyAction(status, error_page, content_type, payload, tuple(headers))


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()  # a payload goes as the file's bytes, whatever they are
    except OSError:
        raise ValueError(f"error opening file '{path}'") from None


def redirect(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    before, condition = split_condition(args)
    context = f"error detected in {p.kind} '{p.name}' while parsing redirect rule"
    try:
        kind, target, code, options = parse_redirect(before)
    except ValueError as error:
        raise ValueError(f"{context} : {error}.") from None
    cond = None
    if condition:
        try:
            cond = parse_condition(loc, condition, p.acl_lookup())
        except ValueError as error:
            raise ValueError(f"{context} : error in condition: {error}.") from None
    p.redirects.append(Redirect(loc, kind, target, code, options, cond))


def _http_rule(keyword: str, actions: tuple[str, ...], args: list[str], loc: Location,
               p: ProxyBuilder, *, out: Diagnostics) -> HttpRule:
    before, condition = split_condition(args)
    if not before or before[0] not in actions:
        got = before[0] if before else ""
        raise ValueError(f"'{keyword}' : action '{got}' is not supported by hacore "
                         f"(supported: {', '.join(actions)}).")
    try:
        spec = parse_action(before[0], before[1:], loc, out)
    except TrailingWordError as word:
        raise ValueError(f"'{keyword} {before[0]}' expects either 'if' or 'unless' followed by "
                         f"a condition but found '{word}'.") from None
    except ValueError as error:
        raise ValueError(f"error detected in {p.kind} '{p.name}' while parsing '{keyword} "
                         f"{before[0]}' rule : {error}.") from None
    cond = None
    if condition:
        try:
            cond = parse_condition(loc, condition, p.acl_lookup())
        except ValueError as error:
            raise ValueError(f"error detected while parsing an '{keyword} {before[0]}' "
                             f"condition : {error}.") from None
        _warn_other_side(cond, keyword, p, loc, out)
    return HttpRule(loc, before[0], tuple(before[1:]), cond, spec)


def _warn_other_side(cond: Condition, keyword: str, p: ProxyBuilder, loc: Location,
                     out: Diagnostics) -> None:
    """haproxy 2.6 (acl.c acl_cond_conflicts()): an ACL reading the other side of the
    message than its rule never matches, and the configuration says so."""
    context = "response" if keyword == "http-response" else "request"
    kind = {"frontend": "frontend", "backend": "backend"}.get(p.kind, "proxy")
    for terms in cond.alternatives:
        for term in terms:
            declarations = ([term.anonymous] if term.anonymous is not None
                            else p.acls.get(term.name or "", []))
            fetches = [split_fetch(d.fetch)[0] for d in declarations]
            if term.name in PREDEFINED_ACLS and not declarations:
                fetches = [split_fetch(PREDEFINED_ACLS[term.name][0])[0]]
            other = next((f for f in fetches if fetch_side(f) not in ("any", context)), None)
            if other is not None:
                who = "anonymous acl" if term.anonymous is not None else f"acl '{term.name}'"
                out.warn(loc, f"{who} will never match because it uses keyword '{other}' which "
                              f"is incompatible with '{kind} {keyword} header rule'")


def http_request(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    p.http_request_rules.append(_http_rule("http-request", HTTP_REQUEST_ACTIONS, args, loc, p,
                                              out=out))


def http_response(p: ProxyBuilder, args: list[str], loc: Location, out: Diagnostics) -> None:
    p.http_response_rules.append(_http_rule("http-response", HTTP_RESPONSE_ACTIONS, args, loc,
                                               p, out=out))
