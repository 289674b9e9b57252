"""The data plane (I/O, the hot path): listeners, TCP and HTTP forwarding, upstream
connections. Decisions come from the pure packages (acl, balance); this package moves bytes."""
