"""Broken configurations and the exact diagnostics they must produce, shared by the unit test
(hacore's messages) and the interop test (the same files through `haproxy -c` 2.6)."""

from __future__ import annotations

from dataclasses import dataclass

HAPROXY_BASE = """\
global
    maxconn 100
defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:18080
    default_backend be
backend be
    server s1 127.0.0.1:18081
"""


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    alerts: tuple[tuple[int | None, str], ...]
    haproxy_oracle: bool = True  # haproxy -c prints the same alert lines


def haproxy_case(name: str, replace: dict[int, str], alerts: tuple[tuple[int | None, str], ...],
                 oracle: bool = True) -> Case:
    """HAPROXY_BASE with lines (1-based) replaced; a replacement may hold several lines."""
    lines = HAPROXY_BASE.splitlines()
    for number, text in sorted(replace.items(), reverse=True):
        lines[number - 1 : number] = text.splitlines()
    return Case(name, "\n".join(lines) + "\n", alerts, oracle)


# http-request / redirect arguments: (name, rule, message); _E is haproxy's context prefix
_E = "error detected in frontend 'fe' while parsing "
_RULE_ERRORS = [
    ('hr-set-header-extra', 'http-request set-header X-A b c',
     "'http-request set-header' expects either 'if' or 'unless' followed by a "
     "condition but found 'c'."),
    ('hr-set-header-short', 'http-request set-header X-A',
     _E + "'http-request set-header' rule : expects exactly 2 arguments."),
    ('hr-unknown-fetch', 'http-request add-header X-A %[nosuchfetch]',
     _E + "'http-request add-header' rule : failed to parse sample expression "
          "<nosuchfetch]> : unknown fetch method 'nosuchfetch'."),
    ('hr-unknown-converter', 'http-request set-header X-A %[src,nosuchconv]',
     _E + "'http-request set-header' rule : failed to parse sample expression "
          "<src,nosuchconv]> : unknown converter 'nosuchconv'."),
    ('hr-unclosed-sample', 'http-request set-header X-A %[src',
     _E + "'http-request set-header' rule : missing ']' after 'src'."),
    ('hr-unknown-variable', 'http-request set-header X-A %zz',
     _E + "'http-request set-header' rule : no such format variable 'zz'. If you "
          "wanted to emit the '%' character verbatim, you need to use '%%'."),
    ('hr-truncated-percent', 'http-request set-header X-A 100%',
     _E + "'http-request set-header' rule : truncated line after '%'."),
    ('hr-del-header-extra', 'http-request del-header X-A X-B',
     "'http-request del-header' expects either 'if' or 'unless' followed by a "
     "condition but found 'X-B'."),
    ('hr-del-header-method', 'http-request del-header X-A -m foo',
     _E + "'http-request del-header' rule : -m with unsupported matching method "
          "'foo'."),
    ('hr-del-header-m-alone', 'http-request del-header X-A -m',
     _E + "'http-request del-header' rule : -m flag expects exactly 1 argument."),
    ('hr-fetch-occurrence', 'http-request set-header X "%[hdr(host,abc)]"',
     _E + "'http-request set-header' rule : failed to parse sample expression "
          "<hdr(host,abc)]> : fetch method 'hdr' : failed to parse 'abc' as type 'integer' "
          "at position 2."),
    ('hr-fetch-no-arguments', 'http-request set-header X "%[path(x)]"',
     _E + "'http-request set-header' rule : failed to parse sample expression <path(x)]> : "
          "fetch method 'path' : expected ')' before 'x)]'."),
    ('acl-fetch-occurrence', 'acl a hdr(host,abc) -m found',
     "error detected while parsing ACL 'a' : ACL keyword 'hdr' : failed to parse 'abc' as "
     "type 'integer' at position 2."),
    ('acl-fetch-no-arguments', 'acl a path(x) /',
     "error detected while parsing ACL 'a' : ACL keyword 'path' : expected ')' before 'x)'."),
    ('hr-deny-extra', 'http-request deny foo',
     "'http-request deny' expects either 'if' or 'unless' followed by a "
     "condition but found 'foo'."),
    ('hr-deny-status-range', 'http-request deny deny_status 999',
     _E + "'http-request deny' rule : Unexpected status code '999'."),
    ('hr-deny-status-word', 'http-request deny deny_status abc',
     _E + "'http-request deny' rule : Unexpected status code '0'."),
    ('hr-deny-status-no-page', 'http-request deny deny_status 418',
     _E + "'http-request deny' rule : status code '418' not handled by default "
          "with 'default-errorfiles' argument."),
    ('hr-return-extra', 'http-request return status 200 bogus',
     "'http-request return' expects either 'if' or 'unless' followed by a "
     "condition but found 'bogus'."),
    ('hr-return-string-missing', 'http-request return status 200 string',
     _E + "'http-request return' rule : 'string' expects <str> as argument."),
    ('hr-return-no-type', 'http-request deny deny_status 503 string x',
     _E + "'http-request deny' rule : a content type must be defined when "
          'non-empty payload is configured.'),
    ('hr-return-204-body', 'http-request return status 204 content-type text/plain string x',
     _E + "'http-request return' rule : No body expected for 204 responses."),
    ('hr-return-hdr-short', 'http-request return status 200 hdr X-A',
     _E + "'http-request return' rule : 'hdr' expects <name> and <value> as "
          'arguments.'),
    ('hr-redirect-no-type', 'http-request redirect',
     _E + "'http-request redirect' rule : redirection type expected ('prefix', "
          "'location', or 'scheme')."),
    ('hr-redirect-no-location', 'http-request redirect location',
     _E + "'http-request redirect' rule : missing argument for 'location'."),
    ('hr-redirect-bad-code', 'http-request redirect location /x code abc',
     _E + "'http-request redirect' rule : 'code': unsupported HTTP code 'abc' "
          '(must be one of 301, 302, 303, 307 or 308).'),
    ('redirect-unknown-word', 'redirect location /x foo',
     _E + "redirect rule : expects 'code', 'prefix', 'location', 'scheme', "
          "'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or "
          "'append-slash' (was 'foo')."),
    ('redirect-code-only', 'redirect code 301',
     _E + "redirect rule : redirection type expected ('prefix', 'location', or "
          "'scheme')."),
]
# Health-check and forwardfor arguments: (name, option line, rule line, message, same
# message from haproxy -c: its regex errors are PCRE's words)
_CHECK_ERRORS = [
    ("check-status-char", "option httpchk", "http-check expect status abc",
     "'http-check expect' : invalid character 'a' in the list of status codes.", True),
    ("check-status-range", "option httpchk", "http-check expect status 200-x",
     "'http-check expect' : invalid range of status codes '200-x'.", True),
    ("check-status-list", "option httpchk", "http-check expect status 200,30x",
     "'http-check expect' : invalid character 'x' in the list of status codes.", True),
    ("check-rstatus-regex", "option httpchk", "http-check expect rstatus ^(2",
     "'http-check expect' : regex '^(2' is invalid (error=missing ), unterminated subpattern, "
     "erroffset=1).", False),
    ("tcp-check-send-empty", "option tcp-check", "tcp-check send",
     "'tcp-check send' : 'string' expects a send as argument.", True),
    ("forwardfor-except", "option httpchk", "option forwardfor except 1.2.3.400",
     "'option forwardfor except' expects <address>[/mask] as argument.", True),
]

HAPROXY_CASES = [
    haproxy_case("typo-global", {2: "    maxcon 100"},
                 ((2, "unknown keyword 'maxcon' in 'global' section; did you mean 'maxconn' maybe ?"),)),
    haproxy_case("typo-frontend", {10: "    default_bakend be"},
                 ((10, "unknown keyword 'default_bakend' in 'frontend' section; did you mean "
                       "'default_backend' maybe ?"),)),
    haproxy_case("typo-backend", {12: "    balanec roundrobin\n    server s1 127.0.0.1:18081"},
                 ((12, "unknown keyword 'balanec' in 'backend' section; did you mean 'balance' "
                       "maybe ?"),)),
    haproxy_case("typo-defaults", {4: "    optin httplog"},
                 ((4, "unknown keyword 'optin' in 'defaults' section; did you mean 'option' maybe ?"),)),
    haproxy_case("no-suggestion", {10: "    foo\n    default_backend be"},
                 ((10, "unknown keyword 'foo' in 'frontend' section"),)),
    haproxy_case("out-of-section", {1: "foo\nglobal"},
                 ((1, "unknown keyword 'foo' out of section."),)),
    haproxy_case("bad-balance", {12: "    balance foo\n    server s1 127.0.0.1:18081"},
                 ((12, "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', "
                       "'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options."),)),
    haproxy_case("timeout-no-value", {5: "    timeout connect"},
                 ((5, "'timeout connect' expects an integer value (in milliseconds)"),)),
    haproxy_case("timeout-bad-unit", {5: "    timeout connect 5xs"},
                 ((5, "unexpected character 'x' in 'timeout connect'"),)),
    haproxy_case("timeout-overflow", {7: "    timeout server 3000000s"},
                 ((7, "timer overflow in argument '3000000s' to 'timeout server' (maximum value "
                      "is 2147483647 ms or ~24.8 days)"),)),
    haproxy_case("timeout-extra", {5: "    timeout connect 5000 ms"},
                 ((5, "'timeout connect' : unexpected extra argument 'ms' after value '5000'."),)),
    haproxy_case("timeout-unknown", {5: "    timeout foo 5s"},
                 ((5, "'timeout' supports 'client', 'server', 'connect', 'check', 'queue', "
                      "'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and "
                      "'server-fin' (got 'foo')"),)),
    haproxy_case("mode-unknown", {4: "    mode foo"}, ((4, "unknown proxy mode 'foo'."),)),
    haproxy_case("mode-extra", {4: "    mode http extra"},
                 ((4, "'mode' cannot handle unexpected argument 'extra'."),)),
    haproxy_case("option-unknown", {4: "    mode http\n    option foo"},
                 ((5, "unknown option 'foo'."),)),
    haproxy_case("option-suggest", {4: "    mode http\n    option httplg"},
                 ((5, "unknown option 'httplg'; did you mean 'httplog' maybe ?"),)),
    haproxy_case("option-extra", {4: "    mode http\n    option httplog extra"},
                 ((5, "keyword 'httplog' only supports option 'clf'."),)),
    # haproxy 2.6 prints "character '" and stops at the name's NUL: no message to compare
    haproxy_case("server-empty-name", {12: '    server "" 127.0.0.1:18081'},
                 ((12, "'server' expects <name> and <addr>[:<port>] as arguments."),), oracle=False),
    haproxy_case("server-ssl-unverified", {12: "    server s1 127.0.0.1:18081 ssl"},
                 ((12, "'server be/s1' : verify is enabled by default but no CA file specified. "
                       "If you're running on a LAN where you're certain to trust the server's "
                       "certificate, please set an explicit 'verify none' statement on the "
                       "'server' line, or use 'ssl-server-verify none' in the global section to "
                       "disable server-side verifications by default."),)),
    haproxy_case("acl-unknown-flag", {10: "    acl a path -x /x\n    default_backend be"},
                 ((10, "error detected while parsing ACL 'a' : '-x' is not a valid ACL option. "
                       "Please use '--' before any pattern beginning with a '-'."),)),
    haproxy_case("log-facility", {10: "    log 127.0.0.1 local9\n    default_backend be"},
                 ((10, "log : unknown log facility 'local9'"),)),
    haproxy_case("log-level", {10: "    log 127.0.0.1 local0 foo\n    default_backend be"},
                 ((10, "log : unknown optional log level 'foo'"),)),
    haproxy_case("log-minimum-level", {10: "    log 127.0.0.1 local0 info bar\n"
                                           "    default_backend be"},
                 ((10, "log : unknown optional minimum log level 'bar'"),)),
    haproxy_case("log-global-extra", {10: "    log global foo\n    default_backend be"},
                 ((10, "log : unknown log facility 'foo'"),)),
    haproxy_case("log-global-section", {2: "    maxconn 100\n    log /dev/log local9"},
                 ((3, "log : unknown log facility 'local9'"),)),
    *(haproxy_case(f"log-option-{number}", {10: f"    log 127.0.0.1 {options} local0\n"
                                                 "    default_backend be"}, ((10, alert),))
      for number, (options, alert) in enumerate([
          ("len 79", "log : invalid log length '79', must be between 80 and 65535"),
          ("len abc", "log : invalid log length 'abc', must be between 80 and 65535"),
          ("format json", "log : unknown log format 'json'"),
          ("format raw len 100", "log : unknown log facility 'len'"),  # len comes first
          ("sample 1:2 format raw", "log : unknown log facility 'format'"),
          ("sample 5:3", "log : sample size 3 should be greater or equal to 5 the maximum of "
                         "the high ranges limits"),
          ("sample 3-1:4", "log : wrong sample range '3-1'"),
          ("sample 2-2:3", "log : wrong sample range '2-2'"),
          ("sample 0:3", "log : wrong sample range '0'"),
          ("sample 1,,2:4", "log : wrong sample range ',2'"),
          ("sample 1:0", "log : wrong sample size '0' for sample range '1'"),
          ("sample 1:", "log : wrong sample size '' for sample range '1'"),
          ("sample :3", "log : no sampling ranges given"),
          ("sample 1", "log : Missing sample size"),
      ])),
    haproxy_case("log-tag-missing", {10: "    log-tag\n    default_backend be"},
                 ((10, "'log-tag' expects a tag for use in syslog."),)),
    haproxy_case("log-tag-global-extra", {2: "    maxconn 100\n    log-tag a b"},
                 ((3, "'log-tag' cannot handle unexpected argument 'b'."),)),
    # haproxy adds a last "Failed to initialize server(s) addr." alert of its own: not compared
    *(haproxy_case(f"server-address-{number}", {12: f"    server s1 {address}"},
                   ((12, f"'server be/s1' : could not resolve address '{shown}'."),),
                   oracle=False)
      for number, (address, shown) in enumerate([("[::g]:80", "[::g]"), ("[::1", "[:"),
                                                 ("::1", ":")])),
    haproxy_case("hr-del-header-bad-regex", {10: "    http-response del-header ( -m reg\n"
                                                 "    default_backend be"},
                 ((10, "error detected in frontend 'fe' while parsing 'http-response del-header' "
                       "rule : regex '(' is invalid (error=missing ), unterminated subpattern, "
                       "erroffset=0)."),), oracle=False),  # haproxy names PCRE's error
    haproxy_case("option-smart-accept-extra", {4: "    mode http\n    option tcp-smart-accept x"},
                 ((5, "'option tcp-smart-accept' cannot handle unexpected argument 'x'."),)),
    haproxy_case("default-backend-missing-arg", {10: "    default_backend"},
                 ((10, "'default_backend' expects a backend name."),)),
    haproxy_case("frontend-no-name", {8: "frontend"},
                 ((8, "'frontend' expects an <id> argument"),), oracle=False),
    haproxy_case("frontend-bad-name", {8: "frontend f@e"},
                 ((8, "character '@' is not permitted in 'frontend' name 'f@e'."),), oracle=False),
    haproxy_case("server-weight", {12: "    server s1 127.0.0.1:18081 weight 300"},
                 ((12, "'server be/s1' : weight of server s1 is not within 0 and 256 (300)."),)),
    haproxy_case("server-keyword-typo", {12: "    server s1 127.0.0.1:18081 chek"},
                 ((12, "'server be/s1' : unknown keyword 'chek'; did you mean 'check' maybe ?"),)),
    haproxy_case("server-inter-zero", {12: "    server s1 127.0.0.1:18081 check inter 0"},
                 ((12, "'server be/s1' : invalid value 0 for argument 'inter' of server s1."),)),
    haproxy_case("server-fall-zero", {12: "    server s1 127.0.0.1:18081 check fall 0"},
                 ((12, "'server be/s1' : 'fall' has to be > 0."),)),
    haproxy_case("server-rise-text", {12: "    server s1 127.0.0.1:18081 check rise abc"},
                 ((12, "'server be/s1' : 'rise' has to be > 0."),)),
    haproxy_case("server-bad-port", {12: "    server s1 127.0.0.1:99999"},
                 ((12, "'server be/s1' : invalid port '99999'"),)),
    haproxy_case("server-port-range", {12: "    server s1 127.0.0.1:80-90"},
                 ((12, "'server be/s1' : port range not permitted here in '127.0.0.1:80-90'"),)),
    haproxy_case("server-no-address", {12: "    server s1"},
                 ((12, "'server' expects <name> and <addr>[:<port>] as arguments."),)),
    haproxy_case("server-bad-name", {12: "    server s@1 127.0.0.1:18081"},
                 ((12, "character '@' is not permitted in server name 's@1'."),)),
    haproxy_case("server-duplicate", {12: "    server s1 127.0.0.1:18081\n    server s1 127.0.0.1:18082"},
                 ((13, "backend 'be', another server named 's1' was already defined at line 12, "
                       "please use distinct names."),)),
    haproxy_case("bind-no-port", {9: "    bind 127.0.0.1"},
                 ((9, "'bind' : missing port specification in '127.0.0.1'"),)),
    haproxy_case("bind-bad-port", {9: "    bind 127.0.0.1:99999"},
                 ((9, "'bind' : invalid port '99999'"),)),
    haproxy_case("bind-backlog-no-value", {9: "    bind 127.0.0.1:18080 maxconn 5 backlog"},
                 ((9, "'bind 127.0.0.1:18080' in section 'frontend' : 'backlog' : missing "
                      "value"),)),
    haproxy_case("bind-maxconn-not-a-number", {9: "    bind 127.0.0.1:18080 maxconn five"},
                 ((9, "'bind 127.0.0.1:18080' in section 'frontend' : 'maxconn' expects an "
                      "integer argument, got 'five'"),), oracle=False),  # haproxy reads 0
    haproxy_case("bind-unknown-keyword", {9: "    bind 127.0.0.1:18080 foo"},
                 ((9, "'bind 127.0.0.1:18080' in section 'frontend': unknown keyword 'foo'; did "
                      "you mean 'tfo' maybe ?"),)),
    haproxy_case("undeclared-acl", {10: "    use_backend be if is_bad\n    default_backend be"},
                 ((10, "error detected while parsing switching rule : no such ACL : 'is_bad'."),)),
    haproxy_case("unknown-fetch", {10: "    acl is_bad foo_bar -i x\n    default_backend be"},
                 ((10, "error detected while parsing ACL 'is_bad' : unknown fetch method "
                       "'foo_bar' in ACL expression 'foo_bar'."),)),
    haproxy_case("acl-bad-network", {10: "    acl a src 10.0.0.0/33\n    default_backend be"},
                 ((10, "error detected while parsing ACL 'a' : '10.0.0.0/33' is not a valid IPv4 "
                       "or IPv6 address or network"),), oracle=False),
    haproxy_case("acl-bad-regex", {10: "    acl a path_reg ^(x\n    default_backend be"},
                 ((10, "error detected while parsing ACL 'a' : invalid regex '^(x': missing ), "
                       "unterminated subpattern at position 1"),), oracle=False),
    haproxy_case("acl-pattern-file", {10: "    acl a src -f /nonexistent.lst\n    default_backend be"},
                 ((10, "error detected while parsing ACL 'a' : failed to open pattern file "
                       "</nonexistent.lst> : No such file or directory."),), oracle=False),
    haproxy_case("acl-converter", {10: "    acl a hdr(host),base64 x\n    default_backend be"},
                 ((10, "error detected while parsing ACL 'a' : converter 'base64' is not "
                       "supported by hacore (supported: lower, upper)."),), oracle=False),
    haproxy_case("tcp-check-connect-options",
                 {12: "    option tcp-check\n    tcp-check connect port 8080\n"
                      "    server s1 127.0.0.1:18081"},
                 ((13, "'tcp-check connect' options (port, ssl, send-proxy...) are not supported "
                       "by hacore: checks connect to the server's check address."),), oracle=False),
    haproxy_case("acl-bad-name", {10: "    acl is$bad src 1.2.3.4\n    default_backend be"},
                 ((10, "character '$' is not permitted in acl name 'is$bad'."),)),
    haproxy_case("unknown-default-backend", {10: "    default_backend nobe"},
                 ((None, "Proxy 'fe': unable to find required default_backend: 'nobe'."),)),
    haproxy_case("unknown-use-backend", {10: "    use_backend nobe\n    default_backend be"},
                 ((None, "Proxy 'fe': unable to find required use_backend: 'nobe'."),)),
    haproxy_case("duplicate-frontend", {11: "frontend fe\n    bind 127.0.0.1:18082\nbackend be"},
                 ((11, "frontend 'fe' has the same name as frontend 'fe' declared at {file}:8."),)),
    haproxy_case("bind-in-defaults", {4: "    mode http\n    bind :80"},
                 ((5, "'bind' not allowed in 'defaults' section."),)),
    haproxy_case("acl-in-defaults", {4: "    mode http\n    acl a src 1.2.3.4"},
                 ((5, "'acl' not allowed in anonymous 'defaults' section."),)),
    haproxy_case("server-in-frontend", {10: "    server s2 127.0.0.1:1\n    default_backend be"},
                 ((10, "'server' not allowed because frontend 'fe' has no backend capability."),)),
    haproxy_case("nbproc", {2: "    nbproc 1"},
                 ((2, "nbproc is not supported any more since HAProxy 2.5. Threads will "
                      "automatically be used on multi-processor machines if available."),)),
    haproxy_case("unmatched-quote", {9: '    bind "127.0.0.1:18080'},
                 ((9, "unmatched quote at position 10:\n  bind \"127.0.0.1:18080\n       ^"),)),
    Case("missing-lf", HAPROXY_BASE.rstrip("\n"),
         ((12, "Missing LF on last line, file might have been truncated at position 30."),)),
    haproxy_case("several-errors-one-run", {2: "    maxcon 100", 5: "    timeout connect 5xs",
                                            12: "    server s1 127.0.0.1:18081 weight 300"},
                 ((2, "unknown keyword 'maxcon' in 'global' section; did you mean 'maxconn' maybe ?"),
                  (5, "unexpected character 'x' in 'timeout connect'"),
                  (12, "'server be/s1' : weight of server s1 is not within 0 and 256 (300).")),
                 oracle=False),
    *(haproxy_case(name, {10: f"    {rule}\n    default_backend be"}, ((10, message),))
      for name, rule, message in _RULE_ERRORS),
    *(haproxy_case(name, {12: f"    {option}\n    {rule}\n    server s1 127.0.0.1:18081"},
                   ((13, message),), oracle=oracle)
      for name, option, rule, message, oracle in _CHECK_ERRORS),
]

KEEPALIVED_BASE = """\
global_defs {
    router_id LB1
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 101
    advert_int 1
    virtual_ipaddress {
        198.18.0.100/24
    }
}
"""


def keepalived_case(name: str, replace: dict[int, str],
                    alerts: tuple[tuple[int | None, str], ...]) -> Case:
    lines = KEEPALIVED_BASE.splitlines()
    for number, text in sorted(replace.items(), reverse=True):
        lines[number - 1 : number] = text.splitlines()
    return Case(name, "\n".join(lines) + "\n", alerts, haproxy_oracle=False)


KEEPALIVED_CASES = [
    keepalived_case("ka-top-typo", {1: "global_def {"},
                    ((1, "unknown keyword 'global_def' in top level; did you mean 'global_defs' maybe ?"),)),
    keepalived_case("ka-global-typo", {2: "    router_di LB1"},
                    ((2, "unknown keyword 'router_di' in 'global_defs' block; did you mean "
                         "'router_id' maybe ?"),)),
    keepalived_case("ka-instance-typo", {8: "    priorty 101"},
                    ((8, "vrrp_instance VI_1: unknown keyword 'priorty' in 'vrrp_instance' block; "
                         "did you mean 'priority' maybe ?"),)),
    keepalived_case("ka-vrid-range", {7: "    virtual_router_id 256"},
                    ((7, "vrrp_instance VI_1: virtual_router_id '256' is out of range [1, 255]"),
                     (4, "vrrp_instance VI_1: 'virtual_router_id' is required in a vrrp_instance"))),
    keepalived_case("ka-priority-zero", {8: "    priority 0"},
                    ((8, "vrrp_instance VI_1: priority '0' is out of range [1, 255]"),)),
    keepalived_case("ka-advert-zero", {9: "    advert_int 0"},
                    ((9, "vrrp_instance VI_1: advert_int '0' is out of range [0.01, 255]"),)),
    keepalived_case("ka-bad-vip", {11: "        192.168.1.300/24"},
                    ((11, "virtual_ipaddress '192.168.1.300/24' is not a valid address[/prefix]"),)),
    keepalived_case("ka-vip-prefix", {11: "        1.2.3.4/33"},
                    ((11, "virtual_ipaddress '1.2.3.4/33' is not a valid address[/prefix]"),)),
    keepalived_case("ka-state", {5: "    state FOO"},
                    ((5, "vrrp_instance VI_1: unknown state 'FOO', expects MASTER or BACKUP"),)),
    keepalived_case("ka-missing-interface", {6: ""},
                    ((4, "vrrp_instance VI_1: 'interface' is required in a vrrp_instance"),)),
    keepalived_case("ka-unknown-track-script", {12: "    }\n    track_script {\n        nosuch\n    }"},
                    ((14, "vrrp_instance VI_1: track_script 'nosuch' is not a declared vrrp_script"),)),
    keepalived_case("ka-duplicate-vrid", {13: "}\nvrrp_instance VI_2 {\n    interface eth0\n"
                                              "    virtual_router_id 51\n    virtual_ipaddress {\n"
                                              "        198.18.0.101\n    }\n}"},
                    ((14, "vrrp_instance VI_2: virtual_router_id 51 is already used on eth0 by "
                          "vrrp_instance VI_1 ({file}:4)"),)),
    keepalived_case("ka-missing-brace", {13: ""},
                    ((4, "missing '}' closing the block of 'vrrp_instance'"),)),
    keepalived_case("ka-extra-brace", {13: "}\n}"},
                    ((14, "unexpected '}' with no block open"),)),
    keepalived_case("ka-script-weight", {1: "vrrp_script chk {\n    script \"/bin/true\"\n"
                                            "    weight 300\n}\nglobal_defs {"},
                    ((3, "vrrp_script chk: weight '300' is out of range [-253, 253]"),)),
    keepalived_case("ka-unmatched-quote", {2: '    router_id "LB1'},
                    ((2, "Unmatched quote: 'router_id \"LB1'"),)),
]
