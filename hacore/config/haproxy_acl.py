"""`acl` declarations and `if`/`unless` conditions as HAProxy 2.6 parses them (acl.c).

A condition is a disjunction of conjunctions (configuration.txt §7.2): terms are ANDed, `or` or
`||` starts a new alternative, each `!` in front of a term flips it, and `{ ... }` declares an
anonymous ACL in place. Names resolve against the proxy's own ACLs, then HAProxy's predefined
ones (§7.4). Evaluating conditions belongs to the routing package, not here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from hacore.config.errors import Location
from hacore.config.haproxy_model import AclDeclaration, AclTerm, Condition

# configuration.txt §7.4 "Pre-defined ACLs", with what each one means.
PREDEFINED_ACLS: Mapping[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "FALSE": ("always_false", (), ()),
    "TRUE": ("always_true", (), ()),
    "LOCALHOST": ("src", (), ("127.0.0.1/8", "::1")),
    "HTTP": ("req.proto_http", (), ()),
    "HTTP_1.0": ("req.ver", (), ("1.0",)),
    "HTTP_1.1": ("req.ver", (), ("1.1",)),
    "HTTP_2.0": ("req.ver", (), ("2.0",)),
    "HTTP_3.0": ("req.ver", (), ("3.0",)),
    "HTTP_CONTENT": ("req.hdr_val(content-length)", (), ("gt", "0")),
    "HTTP_URL_ABS": ("url_reg", (), ("^[^/:]*://",)),
    "HTTP_URL_SLASH": ("url_beg", (), ("/",)),
    "HTTP_URL_STAR": ("url", (), ("*",)),
    "METH_CONNECT": ("method", (), ("CONNECT",)),
    "METH_DELETE": ("method", (), ("DELETE",)),
    "METH_GET": ("method", (), ("GET", "HEAD")),
    "METH_HEAD": ("method", (), ("HEAD",)),
    "METH_OPTIONS": ("method", (), ("OPTIONS",)),
    "METH_POST": ("method", (), ("POST",)),
    "METH_PUT": ("method", (), ("PUT",)),
    "METH_TRACE": ("method", (), ("TRACE",)),
    "RDP_COOKIE": ("req.rdp_cookie_cnt", (), ("gt", "0")),
    "REQ_CONTENT": ("req.len", (), ("gt", "0")),
    "WAIT_END": ("wait_end", (), ()),
}

# The fetches and ACL keywords hacore evaluates (the routing issue's list). A fetch may carry
# `(<args>)` and `,<converter>` suffixes; only the name before them is looked up.
SUPPORTED_FETCHES = frozenset(
        "src dst dst_port src_port path path_beg path_end path_sub path_reg path_dir path_dom "
        "path_len url url_beg url_end url_sub url_reg url_dir url_dom url_len url_param urlp "
        "method hdr hdr_beg hdr_end hdr_sub hdr_reg hdr_dom hdr_dir hdr_cnt hdr_len hdr_ip "
        "hdr_val req.hdr req.hdr_cnt req.fhdr req.ver req_ver ssl_fc ssl_fc_sni req.ssl_sni base "
        "base_beg always_true always_false req.proto_http req.len req.hdr_val req.rdp_cookie_cnt "
        "wait_end query".split()
)
# Common HAProxy 2.6 fetches hacore does not evaluate: refused as such, not as unknown words.
HAPROXY_ONLY_FETCHES = frozenset(
        "cook cook_beg cook_cnt cook_end cook_sub cook_val req.cook req.cook_cnt res.cook res.hdr "
        "shdr status res.ver capture.req.hdr sc0_conn_cur sc1_conn_cur sc2_conn_cur src_conn_cur "
        "src_conn_rate src_http_req_rate table_cnt nbsrv be_conn fe_conn ssl_c_used ssl_c_verify "
        "ssl_c_s_dn ssl_fc_protocol ssl_fc_cipher req.body req.payload req.rdp_cookie var env "
        "date rand http_auth http_auth_group".split()
)
ACL_FLAGS_WITH_ARGUMENT = frozenset({"-f", "-m", "-M", "-u"})
ACL_FLAGS = frozenset({"-i", "-n", "--"}) | ACL_FLAGS_WITH_ARGUMENT
MATCH_METHODS = frozenset(
    "found bool int ip bin len str sub reg beg end dir dom".split())
_ACL_NAME_RE = re.compile(r"[A-Za-z0-9_.:-]+")


def fetch_name(expression: str) -> str:
    """`hdr(host),lower` → `hdr`; `req.hdr(x)` → `req.hdr`."""
    return re.split(r"[(,]", expression, maxsplit=1)[0]


def parse_acl(location: Location, name: str, words: list[str]) -> AclDeclaration:
    """`words` follow the ACL name: criterion, flags, then patterns. Raises ValueError."""
    if not words:
        raise ValueError("missing fetch method in ACL expression ''.")
    fetch = words[0]
    name_only = fetch_name(fetch)
    if name_only in HAPROXY_ONLY_FETCHES:
        raise ValueError(f"fetch method '{name_only}' is not supported by hacore.")
    if name_only not in SUPPORTED_FETCHES:
        raise ValueError(f"unknown fetch method '{name_only}' in ACL expression '{fetch}'.")
    flags: list[str] = []
    index = 1
    while index < len(words) and words[index] in ACL_FLAGS:
        flag = words[index]
        if flag == "--":
            index += 1
            break
        if flag in ACL_FLAGS_WITH_ARGUMENT:
            if index + 1 >= len(words):
                raise ValueError(f"'{flag}' expects an argument.")
            if flag == "-m" and words[index + 1] not in MATCH_METHODS:
                raise ValueError(f"unknown matching method '{words[index + 1]}' for ACL.")
            flags.extend(words[index : index + 2])
            index += 2
        else:
            flags.append(flag)
            index += 1
    return AclDeclaration(location, name, fetch, tuple(flags), tuple(words[index:]))


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
            if word not in known and word not in PREDEFINED_ACLS:
                raise ValueError(f"no such ACL : '{word}'")
            terms.append(AclTerm(negated, word))
            negated = False
        index += 1
    alternatives.append(tuple(terms))
    if not all(alternatives):
        raise ValueError("missing ACL in condition")
    return Condition(location, words[0] == "unless", tuple(alternatives))


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
