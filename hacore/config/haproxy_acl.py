"""`acl` declarations and `if`/`unless` conditions as HAProxy 2.6 parses them (acl.c).

A condition is a disjunction of conjunctions (configuration.txt §7.2): terms are ANDed, `or` or
`||` starts a new alternative, each `!` in front of a term flips it, and `{ ... }` declares an
anonymous ACL in place. Names resolve against the proxy's own ACLs, then HAProxy's predefined
ones (§7.4). Evaluating conditions belongs to the routing package, not here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from hacore.acl.fetches import CONVERTERS, FETCHES, FetchSpec, argument_error, split_fetch
from hacore.acl.matchers import MATCH_METHODS, compile_matcher
from hacore.acl.predefined import PREDEFINED_ACLS, UNSUPPORTED_PREDEFINED
from hacore.config.errors import Location
from hacore.config.haproxy_model import AclDeclaration, AclTerm, Condition

# Common HAProxy 2.6 fetches hacore does not evaluate: refused as such, not as unknown words.
HAPROXY_ONLY_FETCHES = frozenset(
        "cook cook_beg cook_cnt cook_end cook_sub cook_val req.cook req.cook_cnt res.cook "
        "shdr capture.req.hdr sc0_conn_cur sc1_conn_cur sc2_conn_cur src_conn_cur "
        "src_conn_rate src_http_req_rate table_cnt nbsrv be_conn fe_conn ssl_c_used ssl_c_verify "
        "ssl_c_s_dn ssl_fc_protocol ssl_fc_cipher req.body req.payload req.rdp_cookie var env "
        "date rand http_auth http_auth_group".split()
)
ACL_FLAGS_WITH_ARGUMENT = frozenset({"-f", "-m", "-M", "-u"})
ACL_FLAGS = frozenset({"-i", "-n", "--"}) | ACL_FLAGS_WITH_ARGUMENT
_ACL_NAME_RE = re.compile(r"[A-Za-z0-9_.:-]+")
ReadPatterns = Callable[[str], list[str]]


def read_pattern_file(path: str) -> list[str]:
    """`-f <file>`: one pattern per line; blank lines and `#` comments skipped (HAProxy)."""
    with open(path, encoding="utf-8") as handle:
        lines = (line.strip() for line in handle)
        return [line for line in lines if line and not line.startswith("#")]


def parse_acl(location: Location, name: str, words: list[str],
              read_patterns: ReadPatterns = read_pattern_file) -> AclDeclaration:
    """`words` follow the ACL name: criterion, flags, then patterns. `-f` files are read now, as
    HAProxy reads them at load, and every pattern is checked against its match method.
    Raises ValueError."""
    if not words:
        raise ValueError("missing fetch method in ACL expression ''.")
    fetch = words[0]
    spec = _fetch_spec(fetch)
    flags, patterns, index = [], [], 1
    while index < len(words) and words[index].startswith("-"):  # as pat_parse reads flags
        flag = words[index]
        if flag not in ACL_FLAGS:
            raise ValueError(f"'{flag}' is not a valid ACL option. Please use '--' before any "
                             "pattern beginning with a '-'.")
        index += 1
        if flag == "--":
            break
        if flag not in ACL_FLAGS_WITH_ARGUMENT:
            flags.append(flag)
            continue
        if index >= len(words):
            raise ValueError(f"'{flag}' expects an argument.")
        argument = words[index]
        index += 1
        if flag == "-f":
            patterns.extend(_pattern_file(argument, read_patterns))
        elif flag == "-m" and argument not in MATCH_METHODS:
            raise ValueError(f"unknown matching method '{argument}' for ACL.")
        else:
            flags.extend((flag, argument))
    patterns.extend(words[index:])
    method = flags[flags.index("-m") + 1] if "-m" in flags else spec.method
    compile_matcher(method, patterns, "-i" in flags)
    return AclDeclaration(location, name, fetch, tuple(flags), tuple(patterns))


def _fetch_spec(fetch: str) -> FetchSpec:
    try:
        name, args, converters = split_fetch(fetch)
    except ValueError:
        raise ValueError(f"unknown fetch method '{fetch_name(fetch)}' in ACL expression "
                         f"'{fetch}'.") from None
    if name in HAPROXY_ONLY_FETCHES:
        raise ValueError(f"fetch method '{name}' is not supported by hacore.")
    spec = FETCHES.get(name)
    if spec is None:
        raise ValueError(f"unknown fetch method '{name}' in ACL expression '{fetch}'.")
    if spec.needs_argument and not args:
        raise ValueError(f"fetch method '{name}' : missing argument in ACL expression '{fetch}'.")
    complaint = argument_error(name, args, fetch.partition("(")[2])
    if complaint is not None:
        raise ValueError(f"ACL keyword '{name}' : {complaint}.")
    for converter in converters:
        if converter not in CONVERTERS:
            raise ValueError(f"converter '{converter}' is not supported by hacore (supported: "
                             f"{', '.join(CONVERTERS)}).")
    return spec


def _pattern_file(path: str, read_patterns: ReadPatterns) -> list[str]:
    try:
        return read_patterns(path)
    except OSError as error:
        raise ValueError(f"failed to open pattern file <{path}> : {error.strerror}.") from None


def fetch_name(expression: str) -> str:
    """`hdr(host),lower` → `hdr`; `req.hdr(x)` → `req.hdr`."""
    return re.split(r"[(,]", expression, maxsplit=1)[0]


def check_acl_name(name: str) -> None:
    if not name:
        raise ValueError("'acl' expects an ACL name.")
    if not _ACL_NAME_RE.fullmatch(name):
        bad = next(c for c in name if not _ACL_NAME_RE.fullmatch(c))
        raise ValueError(f"character '{bad}' is not permitted in acl name '{name}'.")


def parse_condition(
    location: Location, words: list[str], known: Mapping[str, AclDeclaration]
) -> Condition:
    """`words` start with `if` or `unless`. Raises ValueError naming the unknown ACL or the
    unbalanced brace."""
    alternatives: list[tuple[AclTerm, ...]] = []
    terms: list[AclTerm] = []
    negated = False
    index = 1
    while index < len(words):
        word = words[index]
        while word.startswith("!"):
            negated, word = not negated, word[1:]
        if not word:
            index += 1
            continue
        if word.lower() == "or" or word == "||":
            alternatives.append(tuple(terms))
            terms, negated = [], False
        elif word == "{":
            end = _closing_brace(words, index)
            acl = parse_acl(location, "anonymous", words[index + 1 : end])
            terms.append(AclTerm(negated, None, acl))
            index, negated = end, False
        else:
            if word in UNSUPPORTED_PREDEFINED and word not in known:
                raise ValueError(f"predefined ACL '{word}' is not supported by hacore")
            if word not in known and word not in PREDEFINED_ACLS:
                raise ValueError(f"no such ACL : '{word}'")
            terms.append(AclTerm(negated, word))
            negated = False
        index += 1
    alternatives.append(tuple(terms))
    # haproxy 2.6 (acl.c build_acl_cond()) opens an alternative at its first term: an empty
    # one (`if a or`, `if or a`, a bare `if`) is no alternative, and a condition without
    # any never holds (`if` alone: false; `unless` alone: true), as measured
    return Condition(location, words[0] == "unless", tuple(a for a in alternatives if a))


def _closing_brace(words: list[str], start: int) -> int:
    for index in range(start + 1, len(words)):
        if words[index] == "}":
            return index
    raise ValueError("missing closing '}' in condition")


def split_condition(words: list[str]) -> tuple[list[str], list[str] | None]:
    """Split a rule's words at its first `if`/`unless`: (before, condition words or None)."""
    for index, word in enumerate(words):
        if word in ("if", "unless"):
            return words[:index], words[index:]
    return words, None
