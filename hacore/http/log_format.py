"""Log-format strings (configuration.txt §8.2.4) in header values and `lf-string` bodies:
literal text, `%%`, `%[sample expression]` and the variables that make sense before a
response exists (`%ci %cp %fi %fp %f %H`). Read once when the configuration loads (the
errors are haproxy 2.6's), rendered per request by joining precomputed parts: a value
without any `%` term costs nothing per request."""

from __future__ import annotations

import ipaddress
import platform
from collections.abc import Callable
from dataclasses import dataclass

from hacore.acl.fetches import (
    CONVERTERS,
    FETCHES,
    FetchSpec,
    Sample,
    argument_error,
    split_fetch,
)
from hacore.acl.request import RequestView

# HAProxy 2.6's log-format variables (log.c logformat_keywords): the ones hacore renders,
# and the others, which are refused by name rather than sent as something else.
RENDERED = frozenset({"ci", "cp", "fi", "fp", "f", "H"})
KNOWN = RENDERED | frozenset(
    "o B CC CS HM HP HPO HQ HU HV ID ST T Ta Tc Td Th Ti Tl Tr Trf Trl Tq Ts Tt Tu Tw U ac b "
    "bc bi bp bq fc ft hr hrl hs hsl ms pid r rc rt s sc si sp sq sslc sslv t tr trg trl ts "
    "lc".split())
# ACL keywords that are not sample fetches: their match suffix only exists in ACLs.
_ACL_ONLY_SUFFIXES = ("_beg", "_end", "_sub", "_reg", "_dir", "_dom", "_len")


@dataclass(frozen=True, slots=True)
class Term:
    kind: str  # "text", "var" (a %-variable) or "sample" (a %[...] expression)
    value: str


def parse_log_format(text: str) -> tuple[Term, ...]:
    """The terms of `text`; ValueError with haproxy's message for a malformed one."""
    terms: list[Term] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "%":
            literal.append(char)
            index += 1
            continue
        if index + 1 >= len(text):
            raise ValueError("truncated line after '%'")
        following = text[index + 1]
        if following == "%":
            literal.append("%")
            index += 2
            continue
        if literal:
            terms.append(Term("text", "".join(literal)))
            literal = []
        if following == "[":
            end = text.find("]", index + 2)
            if end < 0:
                raise ValueError(f"missing ']' after '{text[index + 2:]}'")
            expression = text[index + 2:end]
            _check_sample(expression, text[index + 2:end + 1])
            terms.append(Term("sample", expression))
            index = end + 1
            continue
        end = index + 1
        while end < len(text) and text[end].isalpha():
            end += 1
        name = text[index + 1:end]
        if name not in KNOWN:
            raise ValueError(f"no such format variable '{name or following}'. If you wanted to "
                             "emit the '%' character verbatim, you need to use '%%'")
        if name not in RENDERED:
            raise ValueError(f"log-format variable '%{name}' is not supported by hacore in "
                             "header values and replies (supported: %ci %cp %fi %fp %f %H)")
        terms.append(Term("var", name))
        index = end
    if literal:
        terms.append(Term("text", "".join(literal)))
    return tuple(terms)


def _check_sample(expression: str, shown: str) -> None:
    try:
        name, _args, converters = split_fetch(expression)
    except ValueError:
        raise ValueError(f"failed to parse sample expression <{shown}> : invalid "
                         f"expression") from None
    if name not in FETCHES or name.endswith(_ACL_ONLY_SUFFIXES):
        raise ValueError(f"failed to parse sample expression <{shown}> : unknown fetch method "
                         f"'{name}'")
    complaint = argument_error(name, _args, shown.partition("(")[2])
    if complaint is not None:
        raise ValueError(f"failed to parse sample expression <{shown}> : fetch method "
                         f"'{name}' : {complaint}")
    for converter in converters:
        if converter not in CONVERTERS:
            raise ValueError(f"failed to parse sample expression <{shown}> : unknown converter "
                             f"'{converter}'")


Renderer = Callable[[RequestView], str]


def renderer(terms: tuple[Term, ...], frontend: str) -> str | Renderer:
    """The rendered value itself when it never changes, else a function of the request."""
    if all(term.kind == "text" for term in terms):
        return "".join(term.value for term in terms)
    parts = [_part(term, frontend) for term in terms]

    def render(request: RequestView) -> str:
        return "".join(part if isinstance(part, str) else part(request) for part in parts)

    return render


def _part(term: Term, frontend: str) -> str | Renderer:
    if term.kind == "text":
        return term.value
    if term.kind == "var":
        return _VARIABLES[term.value](frontend)
    name, args, converters = split_fetch(term.value)
    spec = FETCHES[name]
    steps = [CONVERTERS[c] for c in converters]

    def sample(request: RequestView) -> str:
        value = _as_text(_fetch(spec, request, args))
        for step in steps:
            value = step(value)
        return value

    return sample


def _fetch(spec: FetchSpec, request: RequestView, args: tuple[str, ...]) -> Sample | None:
    if spec.single is not None:
        return spec.single(request, args)
    assert spec.multi is not None
    values = spec.multi(request, args)
    return values[-1] if values else None  # a sample fetch reads the last occurrence


def _as_text(value: Sample | None) -> str:
    """A sample as HAProxy writes it: addresses dotted, booleans 1/0, nothing when absent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple):
        family, number = value
        if family == 4:
            return str(ipaddress.IPv4Address(number))
        return str(ipaddress.IPv6Address(number))
    return str(value)


_VARIABLES: dict[str, Callable[[str], Renderer]] = {
    "ci": lambda _: lambda r: _as_text((r.src_family, r.src)),
    "cp": lambda _: lambda r: str(r.src_port),
    "fi": lambda _: lambda r: _as_text((r.dst_family, r.dst)),
    "fp": lambda _: lambda r: str(r.dst_port),
    "f": lambda frontend: lambda r: frontend,
    "H": lambda _: lambda r: platform.node(),
}
