"""The HAProxy half of the configuration model: frozen, slotted, every item with its Location.

Durations are integer milliseconds (HAProxy's default time unit); `None` means "not set", which
matters because HAProxy derives unset values from others (e.g. `timeout queue` falls back to
`timeout connect`, configuration.txt §4.2). Deriving is the consumer's job, not the model's.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hacore.config.errors import Location

if TYPE_CHECKING:
    from hacore.http.log_format import Term


class Mode(enum.Enum):
    HTTP = "http"
    TCP = "tcp"


class KeepAliveMode(enum.Enum):
    """configuration.txt §4 "option http-keep-alive / http-server-close / httpclose"."""

    KEEP_ALIVE = "http-keep-alive"
    SERVER_CLOSE = "http-server-close"
    CLOSE = "httpclose"


class InitState(enum.Enum):
    """Server `init-state` (HAProxy 3.1); the default mirrors 2.6: UP, first failure → DOWN."""

    UP = "up"
    FULLY_UP = "fully-up"
    DOWN = "down"
    FULLY_DOWN = "fully-down"


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: int | None = None
    client: int | None = None
    server: int | None = None
    http_request: int | None = None
    http_keep_alive: int | None = None
    queue: int | None = None
    tunnel: int | None = None
    client_fin: int | None = None
    server_fin: int | None = None
    check: int | None = None


@dataclass(frozen=True, slots=True)
class LogSample:
    """`sample <ranges>:<size>`: message n is sent iff ((n - 1) % size) + 1 is in a range."""

    ranges: tuple[tuple[int, int], ...]
    size: int


@dataclass(frozen=True, slots=True)
class LogTarget:
    """One `log` line. Levels are syslog numbers (0 emerg .. 7 debug): a message above
    `level` is not sent, one below `minlevel` is sent as `minlevel`."""

    location: Location
    target: str  # "global", an address, "/dev/log", "stdout", "stderr"
    facility: int = 16  # local0
    level: int = 7
    minlevel: int = 0
    format: str = "rfc3164"
    maxlen: int = 1024
    sample: LogSample | None = None


@dataclass(frozen=True, slots=True)
class ErrorFile:
    """`errorfile <code> <file>`: the file is sent verbatim instead of the built-in page."""

    location: Location
    code: int
    path: str


@dataclass(frozen=True, slots=True)
class Bind:
    """One `bind` address. `host` is "" for any address (`*:80`, `:80`)."""

    location: Location
    host: str
    port: int
    family: str | None  # "ipv4" / "ipv6" from an `ipv4@` / `ipv6@` prefix, else None
    ssl: bool = False
    crt: tuple[str, ...] = ()
    alpn: tuple[str, ...] = ()
    name: str | None = None
    transparent: bool = False
    v4v6: bool = False
    v6only: bool = False
    backlog: int | None = None  # listen() backlog; None: the frontend's backlog or maxconn
    maxconn: int | None = None  # this socket's sessions; None or 0: the frontend's maxconn


@dataclass(frozen=True, slots=True)
class Server:
    location: Location
    name: str
    host: str
    port: int | None  # None: same port as the client connected to (HAProxy semantics)
    weight: int = 1
    backup: bool = False
    check: bool = False
    inter: int = 2000
    fastinter: int | None = None
    downinter: int | None = None
    rise: int = 2
    fall: int = 3
    check_port: int | None = None
    check_addr: str | None = None
    check_ssl: bool = False
    maxconn: int = 0
    maxqueue: int = 0
    slowstart: int = 0
    init_state: InitState = InitState.UP
    disabled: bool = False
    ssl: bool = False
    verify: str | None = None  # "none" / "required"
    ca_file: str | None = None
    sni: str | None = None
    on_marked_down_shutdown: bool = False
    on_marked_up_shutdown_backup: bool = False


@dataclass(frozen=True, slots=True)
class AclDeclaration:
    """`acl <name> <criterion> [flags] [operator] <value> ...` (configuration.txt §7.1)."""

    location: Location
    name: str
    fetch: str  # e.g. "path_beg", "hdr(host)", "src", "req.hdr(x),lower"
    flags: tuple[str, ...]
    patterns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AclTerm:
    """One operand of a condition: a named ACL or an anonymous `{ ... }` one, maybe negated."""

    negated: bool
    name: str | None
    anonymous: AclDeclaration | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """`if`/`unless` followed by a disjunction of conjunctions (configuration.txt §7.2)."""

    location: Location
    unless: bool
    alternatives: tuple[tuple[AclTerm, ...], ...]


@dataclass(frozen=True, slots=True)
class UseBackend:
    """`use_backend <name> [cond]`; `name` may be a log-format string (`%[req.hdr(host)]`),
    whose terms are in `dynamic`, resolved per request."""

    location: Location
    backend: str
    condition: Condition | None
    dynamic: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class Redirect:
    """`redirect location|prefix|scheme <to> [code <n>] [options] [cond]`."""

    location: Location
    kind: str
    target: str
    code: int
    options: tuple[str, ...]
    condition: Condition | None


@dataclass(frozen=True, slots=True)
class HeaderAction:
    """set-header / add-header `<name> <fmt>`, del-header `<name> [-m <method>]`; the value's
    log-format terms as hacore.http.log_format read them."""

    name: str
    value: tuple[Term, ...] = ()
    method: str = "str"


@dataclass(frozen=True, slots=True)
class ReplyAction:
    """deny / return: the status, and either the status's error page (`deny`,
    `deny_status`, `default-errorfiles`) or a reply built from `content-type`, a payload
    (`string`/`file`: bytes; `lf-string`/`lf-file`: log-format terms) and `hdr` lines."""

    status: int
    error_page: bool
    content_type: str | None = None
    payload: bytes | tuple[Term, ...] = b""
    headers: tuple[tuple[str, tuple[Term, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class HttpRule:
    """One `http-request` / `http-response` action; `args` are the action's own words,
    `spec` what they mean (None for `allow`)."""

    location: Location
    action: str
    args: tuple[str, ...]
    condition: Condition | None
    spec: HeaderAction | ReplyAction | Redirect | None = None


@dataclass(frozen=True, slots=True)
class HttpCheckSend:
    method: str = "OPTIONS"
    uri: str = "/"
    version: str = "HTTP/1.0"
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""


@dataclass(frozen=True, slots=True)
class HttpCheckExpect:
    """`http-check expect [!] status|rstatus|string|rstring <pattern>`."""

    location: Location
    negated: bool
    kind: str
    pattern: str


@dataclass(frozen=True, slots=True)
class TcpCheckRule:
    location: Location
    action: str  # "connect", "send", "expect"
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """How the servers of a backend are checked: TCP connect, HTTP, or a tcp-check script."""

    kind: str  # "tcp", "http", "tcp-check"
    send: HttpCheckSend = HttpCheckSend()
    expects: tuple[HttpCheckExpect, ...] = ()
    tcp_rules: tuple[TcpCheckRule, ...] = ()


@dataclass(frozen=True, slots=True)
class ForwardFor:
    """`option forwardfor [except <network>] [header <name>] [if-none]`."""

    except_network: str | None = None
    header: str = "X-Forwarded-For"
    if_none: bool = False


@dataclass(frozen=True, slots=True)
class Balance:
    """`balance <algorithm> [<arguments>]` and `hash-type`; roundrobin is 2.6's default."""

    algorithm: str = "roundrobin"
    arguments: tuple[str, ...] = ()
    hash_type: str = "map-based"
    hash_function: str = "sdbm"
    avalanche: bool = False


@dataclass(frozen=True, slots=True)
class StatsPage:
    """`stats enable|uri|refresh|admin|realm|auth` on a listen/frontend/backend."""

    uri: str = "/haproxy?stats"
    refresh: int | None = None
    admin: Condition | None = None
    realm: str | None = None
    auth: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProxySettings:
    """What frontends and backends share, as `defaults` passes it on to both."""

    mode: Mode = Mode.TCP
    timeouts: Timeouts = Timeouts()
    logs: tuple[LogTarget, ...] = ()
    log_tag: str | None = None  # `log-tag`: the proxy's own tag instead of the global one
    httplog: bool = False
    tcplog: bool = False
    dontlognull: bool = False
    buffer_request: bool = False  # option http-buffer-request: the whole body before the server
    # option tcp-smart-accept (configuration.txt §4.2): no ACK of its own for a request the
    # response will acknowledge; on by default in HTTP mode, as HAProxy sets it.
    smart_accept: bool = False
    forwardfor: ForwardFor | None = None
    keep_alive: KeepAliveMode = KeepAliveMode.KEEP_ALIVE
    errorfiles: tuple[ErrorFile, ...] = ()
    maxconn: int | None = None
    backlog: int | None = None
    http_request_rules: tuple[HttpRule, ...] = ()
    http_response_rules: tuple[HttpRule, ...] = ()
    acls: tuple[AclDeclaration, ...] = ()
    stats: StatsPage | None = None


@dataclass(frozen=True, slots=True)
class Frontend:
    location: Location
    name: str
    settings: ProxySettings
    binds: tuple[Bind, ...]
    use_backends: tuple[UseBackend, ...] = ()
    default_backend: str | None = None
    default_backend_location: Location | None = None
    redirects: tuple[Redirect, ...] = ()


@dataclass(frozen=True, slots=True)
class Backend:
    location: Location
    name: str
    settings: ProxySettings
    servers: tuple[Server, ...]
    balance: Balance = Balance()
    health_check: HealthCheck = HealthCheck("tcp")
    retries: int = 3
    redispatch: int | None = None  # None: off; -1: last retry; N: every Nth retry
    allbackups: bool = False
    fullconn: int | None = None
    http_reuse: str = "safe"  # never, safe, aggressive, always: idle server connections


HTTP_REUSE_MODES = ("never", "safe", "aggressive", "always")


@dataclass(frozen=True, slots=True)
class StatsSocket:
    location: Location
    path: str
    mode: int | None
    level: str


@dataclass(frozen=True, slots=True)
class Global:
    maxconn: int | None = None
    logs: tuple[LogTarget, ...] = ()
    log_tag: str = "haproxy"
    log_send_hostname: str | None = None  # the host name syslog headers carry, if any
    stats_sockets: tuple[StatsSocket, ...] = ()
    stats_timeout: int | None = None
    nbthread: int | None = None
    spread_checks: int = 0
    tune_bufsize: int = 16384
    tune_maxhdr: int = 101
    ca_base: str | None = None
    crt_base: str | None = None


@dataclass(frozen=True, slots=True)
class HaproxyConfig:
    global_: Global
    frontends: tuple[Frontend, ...]
    backends: tuple[Backend, ...]
