"""hacore: HAProxy + keepalived behaviour in one pure-Python daemon."""

__version__ = "0.1.0"
