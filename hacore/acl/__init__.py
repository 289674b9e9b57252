"""Routing decisions as pure code: ACLs compiled once at load, evaluated per request.

`compile_router(frontend)` turns a frontend's `acl` / `use_backend` / `default_backend` lines into
a `Router`; `Router.route(request)` names the backend (HAProxy configuration.txt §7 and
"use_backend"). Nothing here touches sockets or time.
"""
