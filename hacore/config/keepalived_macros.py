"""keepalived.conf line pre-processing that happens before words are split (2.2.7 parser.c):
`@ID line` / `@^ID line` conditional lines, `$NAME=value` definitions (a value may continue
on following lines ending in `\\`), and `$NAME` / `${NAME}` substitution.

One file can then serve both nodes of a pair (`@lb1 priority 101`, `@lb2 priority 100`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hacore.config.errors import Diagnostics, Location

_DEFINITION_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)=\s*(.*)", re.DOTALL)
_BRACED_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# A bare `$NAME` must be followed by a space, tab, `,`, `)` or the end of the line.
_BARE_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)(?=[ \t,)]|$)")
# Substitution is repeated (values may use other names); a definition using itself stops here.
MAX_EXPANSIONS = 32


@dataclass(slots=True)
class Macros:
    config_id: str
    values: dict[str, str] = field(default_factory=dict)
    continuing: str | None = None  # name of a definition still reading `\\` lines

    def expand(self, location: Location, line: str, out: Diagnostics) -> str | None:
        """The line to parse, or None when it is consumed here (definition, other node's)."""
        line = line.strip()
        if self.continuing is not None:
            self._continue(line)
            return None
        line = self._conditional(line)
        if not line:
            return None
        definition = _DEFINITION_RE.fullmatch(line)
        if definition is not None:
            name, value = definition.groups()
            self.values[name] = value.removesuffix("\\").rstrip()
            self.continuing = name if value.endswith("\\") else None
            return None
        return self._substitute(location, line, out)

    def _continue(self, line: str) -> None:
        name = self.continuing
        assert name is not None  # only called while a definition continues
        self.values[name] += "\n" + line.removesuffix("\\").rstrip()
        if not line.endswith("\\"):
            self.continuing = None

    def _conditional(self, line: str) -> str:
        if not line.startswith("@"):
            return line
        head, _, rest = line.partition(" ")
        negate = head.startswith("@^")
        ident = head[2:] if negate else head[1:]
        if not ident or (ident == self.config_id) == negate:
            return ""
        return rest.strip()

    def _substitute(self, location: Location, line: str, out: Diagnostics) -> str:
        for _ in range(MAX_EXPANSIONS):
            expanded = _BRACED_RE.sub(self._lookup, line)
            expanded = _BARE_RE.sub(self._lookup, expanded)
            if expanded == line:
                return line
            line = expanded
        out.alert(location, f"parameter substitution does not terminate in '{line}'")
        return line

    def _lookup(self, match: re.Match[str]) -> str:
        """Undefined names stay as written, as keepalived leaves them."""
        return self.values.get(match.group(1), match.group(0))
