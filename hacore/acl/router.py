"""Backend selection for one frontend (configuration.txt §4.2 "use_backend"): rules are tried
in declaration order and the first whose condition holds wins, even if that backend is down;
otherwise `default_backend`; otherwise None (the data plane answers 503). A rule whose name
is a log-format string names the backend per request; when no backend has that name the
request goes to `default_backend`, the later rules skipped (haproxy 2.6, measured).
"""

from __future__ import annotations

from dataclasses import dataclass

from hacore.acl.compile import Predicate, compile_condition, compile_named_acls
from hacore.acl.request import RequestView
from hacore.config.haproxy_model import Frontend
from hacore.http.log_format import Renderer, renderer


@dataclass(frozen=True, slots=True)
class Router:
    # None: an unconditional use_backend; a name, or a function of the request for a
    # log-format name
    rules: tuple[tuple[Predicate | None, str | Renderer], ...]
    default: str | None
    known: frozenset[str] = frozenset()  # the backends a log-format name may resolve to

    def route(self, request: RequestView) -> str | None:
        for predicate, backend in self.rules:
            if predicate is None or predicate(request):
                if isinstance(backend, str):
                    return backend
                name = backend(request)
                return name if name in self.known else self.default
        return self.default


def compile_router(frontend: Frontend, backends: frozenset[str] = frozenset()) -> Router:
    """The frontend's rules as predicates; its ACLs were validated when the file was loaded.
    `backends`: every backend's name, for the log-format names."""
    named = compile_named_acls(frontend.settings.acls)
    rules = tuple(
        (None if rule.condition is None else compile_condition(rule.condition, named),
         renderer(rule.dynamic, frontend.name) if rule.dynamic else rule.backend)
        for rule in frontend.use_backends
    )
    return Router(rules, frontend.default_backend, backends)
