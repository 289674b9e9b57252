"""Loading configuration: `load(paths)` is the only entry point.

Files are recognised by their content (haproxy.cfg sections or keepalived.conf blocks), so the
course's `haproxy.cfg` and `keepalived.conf` are given unchanged, in any order, or as a
directory (its `*.cfg` and `*.conf` files in lexical order, as HAProxy reads a directory).
Every problem of every file is collected; any alert raises one ConfigError listing them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from hacore.config.errors import ConfigError, Diagnostics, Location
from hacore.config.haproxy_cfg import SECTIONS, UNSUPPORTED_SECTIONS, HaproxyParser
from hacore.config.haproxy_validate import Resolver, validate_haproxy
from hacore.config.keepalived_conf import KeepalivedParser
from hacore.config.keepalived_lexer import parse_tree, strip_comment
from hacore.config.model import Config

__all__ = ["Config", "ConfigError", "load", "load_texts"]

_KEEPALIVED_TOP_LEVEL = frozenset(
        "global_defs vrrp_script vrrp_instance vrrp_sync_group virtual_server "
        "virtual_server_group static_ipaddress static_routes include".split()
)


def read_text(path: str) -> str:
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", errors="replace")


def _expand_paths(paths: Sequence[str], out: Diagnostics) -> list[str]:
    files: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            # haproxy 2.6 skips hidden files (an editor's `.haproxy.cfg.swp`, `.old.cfg`)
            files.extend(os.path.join(path, name) for name in sorted(os.listdir(path))
                         if name.endswith((".cfg", ".conf")) and not name.startswith(".")
                         and os.path.isfile(os.path.join(path, name)))
        elif os.path.exists(path):
            files.append(path)
        else:
            out.alert(None, f"Cannot open configuration file/directory {path} : No such file "
                            "or directory")
    return files


def detect_dialect(text: str) -> str | None:
    """'haproxy', 'keepalived', or None: the first line that starts with a section keyword
    of either dialect decides (a misspelt first line must still get a precise message)."""
    for line in text.splitlines():
        words = strip_comment(line).replace("{", " ").split()
        if not words:
            continue
        if words[0] in SECTIONS or words[0] in UNSUPPORTED_SECTIONS:
            return "haproxy"
        if words[0] in _KEEPALIVED_TOP_LEVEL or words[0].startswith(("$", "@")):
            return "keepalived"
    return None


def load_texts(files: Sequence[tuple[str, str]], env: Mapping[str, str] | None = None,
               config_id: str | None = None, resolve: Resolver | None = None) -> Config:
    """Parse (name, text) pairs; the pure core of `load()`. Raises ConfigError. `resolve`
    checks that server names resolve (not done without it)."""
    out = Diagnostics()
    haproxy = HaproxyParser(out, dict(os.environ if env is None else env))
    keepalived = KeepalivedParser(out)
    seen = {"haproxy": False, "keepalived": False}
    for name, text in files:
        dialect = detect_dialect(text)
        if dialect is None:
            out.alert(Location(name, 1), "cannot tell whether this is a haproxy.cfg (sections "
                      "global/defaults/frontend/backend/listen) or a keepalived.conf "
                      "(global_defs/vrrp_script/vrrp_instance blocks)")
            continue
        seen[dialect] = True
        if dialect == "haproxy":
            haproxy.feed(name, text)
        else:
            keepalived.feed(parse_tree(name, text, out, read_text, config_id or os.uname().nodename))
    haproxy_config = haproxy.result() if seen["haproxy"] else None
    if haproxy_config is not None:
        validate_haproxy(haproxy_config, out, resolve)
    keepalived_config = keepalived.result() if seen["keepalived"] else None
    if out.has_alerts:
        raise ConfigError(tuple(out.items))
    return Config(haproxy_config, keepalived_config, tuple(n for n, _ in files), out.warnings)


def load(paths: Sequence[str], env: Mapping[str, str] | None = None,
         config_id: str | None = None, resolve: Resolver | None = None) -> Config:
    """Read files and directories given with `-f`; raises ConfigError listing every problem."""
    out = Diagnostics()
    files = _expand_paths(paths, out)
    texts: list[tuple[str, str]] = []
    for path in files:
        try:
            texts.append((path, read_text(path)))
        except OSError as error:
            out.alert(None, f"Cannot open configuration file/directory {path} : {error.strerror}")
    if not files and not out.has_alerts:
        out.alert(None, "no configuration file given (use -f <file or directory>)")
    if out.has_alerts:
        raise ConfigError(tuple(out.items))
    return load_texts(texts, env, config_id, resolve)
