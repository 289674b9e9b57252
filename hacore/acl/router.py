"""Backend selection for one frontend (configuration.txt §4.2 "use_backend"): rules are tried
in declaration order and the first whose condition holds wins, even if that backend is down;
otherwise `default_backend`; otherwise None (the data plane answers 503).
"""

from __future__ import annotations

from dataclasses import dataclass

from hacore.acl.compile import Predicate, compile_condition, compile_named_acls
from hacore.acl.request import RequestView
from hacore.config.haproxy_model import Frontend


@dataclass(frozen=True, slots=True)
class Router:
    rules: tuple[tuple[Predicate | None, str], ...]  # None: an unconditional use_backend
    default: str | None

    def route(self, request: RequestView) -> str | None:
        for predicate, backend in self.rules:
            if predicate is None or predicate(request):
                return backend
        return self.default


def compile_router(frontend: Frontend) -> Router:
    """The frontend's rules as predicates; its ACLs were validated when the file was loaded."""
    named = compile_named_acls(frontend.settings.acls)
    rules = tuple(
        (None if rule.condition is None else compile_condition(rule.condition, named),
         rule.backend)
        for rule in frontend.use_backends
    )
    return Router(rules, frontend.default_backend)
