"""ACL declarations and conditions → predicates over a RequestView, built once at load.

Semantics (configuration.txt §7): several patterns on one `acl` line are ORed, several `acl`
lines with one name are ORed, a condition's terms are ANDed, `or`/`||` separate alternatives,
`!` negates a term, `unless` negates the whole. A fetch that finds nothing never matches; an
ACL without patterns matches only with a boolean fetch or `-m found`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from hacore.acl.fetches import CONVERTERS, FETCHES, Sample, fetch_side, split_fetch
from hacore.acl.matchers import Matcher, compile_matcher
from hacore.acl.predefined import PREDEFINED_ACLS
from hacore.acl.request import RequestView
from hacore.config.haproxy_model import AclDeclaration, AclTerm, Condition

Predicate = Callable[[RequestView], bool]


def compile_acl(declaration: AclDeclaration, context: str = "request") -> Predicate:
    return _compile(declaration.fetch, declaration.flags, declaration.patterns, context)


def _compile(fetch: str, flags: Sequence[str], patterns: Sequence[str],
             context: str = "request") -> Predicate:
    """`context`: the side of the rule using it ('request' or 'response'); a fetch of the
    other side never matches there (haproxy 2.6: "acl will never match because it uses
    keyword ... which is incompatible with ...")."""
    name, args, converters = split_fetch(fetch)
    if fetch_side(name) not in ("any", context):
        return lambda request: False
    spec = FETCHES.get(name)
    if spec is None:
        raise ValueError(f"unknown fetch method '{name}'")
    if spec.needs_argument and not args:
        raise ValueError(f"fetch method '{name}' expects an argument in parentheses")
    method, ignore_case = _flags(flags, spec.method)
    if not patterns and method not in ("bool", "found"):
        return lambda request: False
    matcher = _converted(compile_matcher(method, patterns, ignore_case), converters)
    if spec.multi is not None:
        multi = spec.multi
        return lambda request: any(matcher(value) for value in multi(request, args))
    single = spec.single
    assert single is not None  # a FetchSpec has exactly one of single/multi
    return lambda request: (value := single(request, args)) is not None and matcher(value)


def _flags(flags: Sequence[str], method: str) -> tuple[str, bool]:
    """`-i` and `-m <method>`; `-f` files were read into the patterns at load."""
    ignore_case = "-i" in flags
    for index, flag in enumerate(flags[:-1]):
        if flag == "-m":
            method = flags[index + 1]
    return method, ignore_case


def _converted(matcher: Matcher, converters: Sequence[str]) -> Matcher:
    if not converters:
        return matcher
    functions = []
    for converter in converters:
        if converter not in CONVERTERS:
            raise ValueError(f"unknown converter '{converter}'")
        functions.append(CONVERTERS[converter])

    def match(sample: Sample) -> bool:
        if isinstance(sample, str):
            for function in functions:
                sample = function(sample)
        return matcher(sample)

    return match


def compile_named_acls(declarations: Sequence[AclDeclaration], context: str = "request"
                       ) -> dict[str, Predicate]:
    """Name → predicate; declarations sharing a name are ORed (configuration.txt §7.1)."""
    grouped: dict[str, list[Predicate]] = {}
    for declaration in declarations:
        grouped.setdefault(declaration.name, []).append(compile_acl(declaration, context))
    return {name: _any(predicates) for name, predicates in grouped.items()}


def _any(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    return lambda request: any(p(request) for p in predicates)


def _predefined(name: str, context: str) -> Predicate:
    fetch, patterns = PREDEFINED_ACLS[name]
    return _compile(fetch, (), patterns, context)


def compile_condition(condition: Condition, named: Mapping[str, Predicate],
                      context: str = "request") -> Predicate:
    """`if`/`unless` + terms → one predicate. Raises ValueError for an unknown ACL name.
    `named` must have been compiled for the same `context`."""
    alternatives = [[_term(term, named, context) for term in terms]
                    for terms in condition.alternatives]
    evaluate = _shortest(alternatives)
    if condition.unless:
        return lambda request: not evaluate(request)
    return evaluate


def _shortest(alternatives: list[list[Predicate]]) -> Predicate:
    """Skip the any()/all() machinery for the common one-term and one-alternative cases."""
    if len(alternatives) == 1:
        terms = alternatives[0]
        if len(terms) == 1:
            return terms[0]
        if len(terms) == 2:
            first, second = terms
            return lambda request: first(request) and second(request)
        return lambda request: all(test(request) for test in terms)
    return lambda request: any(all(test(request) for test in terms) for terms in alternatives)


def _term(term: AclTerm, named: Mapping[str, Predicate], context: str) -> Predicate:
    if term.anonymous is not None:
        predicate = compile_acl(term.anonymous, context)
    elif term.name is not None and term.name in named:
        predicate = named[term.name]
    elif term.name is not None and term.name in PREDEFINED_ACLS:
        predicate = _predefined(term.name, context)
    else:
        raise ValueError(f"no such ACL : '{term.name}'")
    if term.negated:
        return lambda request: not predicate(request)
    return predicate
