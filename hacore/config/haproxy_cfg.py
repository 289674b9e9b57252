"""haproxy.cfg text → HaproxyConfig: sections, keyword dispatch and defaults inheritance.

Like `haproxy -c`, a bad line is reported and parsing goes on, so one run lists every error of
every file. Keywords fall in three classes (README "Compatibility"): implemented; accepted with a
warning saying why it changes nothing; refused because hacore does not implement it. A word HAProxy
does not know either gets HAProxy's "did you mean" suggestion.
"""

from __future__ import annotations

import re
from collections import ChainMap
from dataclasses import dataclass, field

from hacore.config.errors import Diagnostics, Location
from hacore.config.haproxy_global import GLOBAL_KEYWORDS, GLOBAL_UNSUPPORTED, GlobalBuilder
from hacore.config.haproxy_keywords import PROXY_KEYWORDS, PROXY_UNSUPPORTED
from hacore.config.haproxy_lexer import LexError, split_line
from hacore.config.haproxy_model import HaproxyConfig
from hacore.config.haproxy_proxy import ProxyBuilder
from hacore.config.values import best_match

PROXY_SECTIONS = ("defaults", "frontend", "backend", "listen")
SECTIONS = ("global", *PROXY_SECTIONS)
UNSUPPORTED_SECTIONS = frozenset(
        "peers resolvers userlist mailers program cache http-errors ring log-forward fcgi-app "
        "dynamic-update".split()
)
_SECTION_LETTER = {"defaults": "d", "frontend": "f", "backend": "b", "listen": "l"}
_NAME_RE = re.compile(r"[A-Za-z0-9_.:-]+")
_RULE_KEYWORDS = frozenset({"acl", "http-request", "http-response"})
_CAPABILITY_HINTS = {"maxconn": " Maybe you want 'fullconn' instead ?",
                     "fullconn": " Maybe you want 'maxconn' instead ?"}


@dataclass(slots=True)
class HaproxyParser:
    """Feed it files in order with `feed()`, then call `result()` once."""

    diagnostics: Diagnostics
    env: dict[str, str]
    global_: GlobalBuilder = field(default_factory=GlobalBuilder)
    proxies: list[ProxyBuilder] = field(default_factory=list)
    named_defaults: dict[str, ProxyBuilder] = field(default_factory=dict)
    current_defaults: ProxyBuilder | None = None
    section: str | None = None  # "global", a proxy kind, or "skip" after a refused header
    proxy: ProxyBuilder | None = None

    def feed(self, file: str, text: str) -> None:
        """One file; sections do not continue across files, `defaults` do (as HAProxy)."""
        self.section, self.proxy = None, None
        lines = text.split("\n")
        last = lines.pop()  # "" when the file ends with a newline
        for number, line in enumerate(lines, start=1):
            if not self._feed_line(Location(file, number), line):
                return
        if last:
            self.diagnostics.alert(Location(file, len(lines) + 1), "Missing LF on last line, file "
                                   f"might have been truncated at position {len(last) + 1}.")

    def _feed_line(self, location: Location, line: str) -> bool:
        """False when the rest of the file must not be read (a NUL byte, as HAProxy stops)."""
        if "\0" in line:
            self.diagnostics.alert(location, "Stray NUL character at position "
                                             f"{line.index(chr(0)) + 1}.")
            return False
        pseudo = {".FILE": location.file, ".LINE": str(location.line),
                  ".SECTION": self.proxy.name if self.proxy else self.section or ""}
        try:
            words = split_line(line, ChainMap(pseudo, self.env))
        except LexError as error:
            stripped = line.strip()
            caret = " " * (error.position - 1 - (len(line) - len(line.lstrip()))) + "^"
            self.diagnostics.alert(location, f"{error}:\n  {stripped}\n  {caret}")
            return True
        if words:
            self._line(location, words)
        return True

    def _line(self, location: Location, words: list[str]) -> None:
        keyword = words[0]
        if keyword in SECTIONS or keyword in UNSUPPORTED_SECTIONS:
            self._start_section(location, keyword, words[1:])
            return
        if keyword.startswith("."):
            self.diagnostics.alert(location, f"'{keyword}' conditional blocks and directives "
                                             "are not supported by hacore.")
            return
        try:
            if self.section is None:
                raise ValueError(f"unknown keyword '{keyword}' out of section.")
            if self.section == "global":
                self._global_keyword(location, keyword, words[1:])
            elif self.proxy is not None:
                self._proxy_keyword(self.proxy, location, keyword, words[1:])
        except ValueError as error:
            self.diagnostics.alert(location, str(error))

    def _start_section(self, location: Location, keyword: str, args: list[str]) -> None:
        self.proxy = None
        if keyword in UNSUPPORTED_SECTIONS:
            self.section = "skip"
            self.diagnostics.alert(location, f"'{keyword}' sections are not supported by hacore.")
            return
        self.section = keyword
        if keyword == "global":
            if args:
                self.section = "skip"
                self.diagnostics.alert(location, f"'global' cannot handle unexpected argument "
                                                 f"'{args[0]}'.")
            return
        try:
            self.proxy = self._new_proxy(location, keyword, args)
        except ValueError as error:
            self.section = "skip"
            self.diagnostics.alert(location, str(error))

    def _new_proxy(self, location: Location, kind: str, args: list[str]) -> ProxyBuilder:
        name = args[0] if args else ""
        if not name and kind != "defaults":
            raise ValueError(f"'{kind}' expects an <id> argument")
        if name and not _NAME_RE.fullmatch(name):
            bad = next(c for c in name if not _NAME_RE.fullmatch(c))
            raise ValueError(f"character '{bad}' is not permitted in '{kind}' name '{name}'.")
        parent = self._parent_defaults(kind, args[1:])
        proxy = (ProxyBuilder(kind, name, location) if parent is None
                 else parent.inherit(kind, name, location))
        if kind == "defaults":
            self.current_defaults = proxy
            if name:
                self.named_defaults[name] = proxy
        else:
            self._check_unique(proxy)
            self.proxies.append(proxy)
        return proxy

    def _parent_defaults(self, kind: str, args: list[str]) -> ProxyBuilder | None:
        """A proxy starts from the last `defaults` section (or the one named by `from`); a
        `defaults` section without `from` starts afresh (haproxy 2.6: a second anonymous
        `defaults` resets what the first one set)."""
        if not args:
            return None if kind == "defaults" else self.current_defaults
        if args[0] != "from" or len(args) != 2:
            raise ValueError("please use the 'bind' keyword for listening addresses.")
        if args[1] not in self.named_defaults:
            raise ValueError(f"'{kind}' : defaults section '{args[1]}' not found for {kind}.")
        return self.named_defaults[args[1]]

    def _check_unique(self, proxy: ProxyBuilder) -> None:
        for other in self.proxies:
            if other.name != proxy.name:
                continue
            # A frontend and a backend may share a name; a listen clashes with both.
            if {other.kind, proxy.kind} == {"frontend", "backend"}:
                continue
            raise ValueError(f"{proxy.kind} '{proxy.name}' has the same name as {other.kind} "
                             f"'{other.name}' declared at {other.location}.")

    def _global_keyword(self, location: Location, keyword: str, args: list[str]) -> None:
        handler = GLOBAL_KEYWORDS.get(keyword)
        if handler is not None:
            handler(self.global_, args, location, self.diagnostics)
        elif keyword in GLOBAL_UNSUPPORTED:
            raise ValueError(f"'{keyword}' is a HAProxy global keyword that hacore does not support.")
        else:
            raise ValueError(_unknown(keyword, "global", (*GLOBAL_KEYWORDS, *GLOBAL_UNSUPPORTED)))

    def _proxy_keyword(self, proxy: ProxyBuilder, location: Location, keyword: str,
                       args: list[str]) -> None:
        entry = PROXY_KEYWORDS.get(keyword)
        if entry is None:
            if keyword in PROXY_UNSUPPORTED:
                raise ValueError(f"'{keyword}' is a HAProxy keyword that hacore does not support.")
            raise ValueError(_unknown(keyword, proxy.kind, (*PROXY_KEYWORDS, *PROXY_UNSUPPORTED)))
        handler, sections = entry
        if _SECTION_LETTER[proxy.kind] in sections:
            handler(proxy, args, location, self.diagnostics)
        else:
            self._wrong_section(proxy, location, keyword)

    def _wrong_section(self, proxy: ProxyBuilder, location: Location, keyword: str) -> None:
        """HAProxy refuses misplaced keywords in `defaults` and `server` lines in frontends,
        and only warns about a setting on the side (frontend/backend) a proxy does not have."""
        if proxy.kind == "defaults":
            if keyword not in _RULE_KEYWORDS:
                raise ValueError(f"'{keyword}' not allowed in 'defaults' section.")
            if not proxy.name:
                raise ValueError(f"'{keyword}' not allowed in anonymous 'defaults' section.")
            raise ValueError(f"'{keyword}' in a named 'defaults' section is not supported by hacore.")
        missing = "backend" if proxy.kind == "frontend" else "frontend"
        if keyword in ("server", "default-server"):
            raise ValueError(f"'{keyword}' not allowed because {proxy.kind} '{proxy.name}' has no "
                             f"{missing} capability.")
        hint = _CAPABILITY_HINTS.get(keyword, "")
        self.diagnostics.warn(location, f"'{keyword}' ignored because {proxy.kind} '{proxy.name}' "
                                        f"has no {missing} capability.{hint}")

    def result(self) -> HaproxyConfig:
        frontends = tuple(p.frontend() for p in self.proxies if p.is_frontend)
        backends = tuple(p.backend() for p in self.proxies if p.is_backend)
        return HaproxyConfig(self.global_.build(), frontends, backends)


def _unknown(keyword: str, section: str, candidates: tuple[str, ...]) -> str:
    suggestion = best_match(keyword, candidates)
    if suggestion is None:
        return f"unknown keyword '{keyword}' in '{section}' section"
    return f"unknown keyword '{keyword}' in '{section}' section; did you mean '{suggestion}' maybe ?"
