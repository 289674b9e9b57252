"""keepalived.conf text → a tree of statements, as keepalived 2.2.7's lib/parser.c reads it.

Rules: a `#` or `!` at the start of a word begins a comment; double quotes make one word of
what they enclose (quotes removed); `{` and `}` are words of their own even when glued to
others; a statement is one line, and a `{` opens a block for the statement on its line or, when
it stands alone, for the statement just before it. `include <glob>` splices files in place; a
relative glob is taken from the directory of the file that includes it.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from hacore.config.errors import Diagnostics, Location
from hacore.config.keepalived_macros import Macros

# keepalived refuses include chains deeper than this (parser.c MAX_INCLUDE_DEPTH).
MAX_INCLUDE_DEPTH = 8

ReadFile = Callable[[str], str]


@dataclass(slots=True)
class Statement:
    location: Location
    words: list[str]
    block: list[Statement] | None = None  # None: no `{ }` block follows
    block_location: Location | None = field(default=None, repr=False)


def strip_comment(line: str) -> str:
    """Cut at the first `#` or `!` outside double quotes; `\\#` and `\\!` outside quotes are
    the characters themselves (keepalived 2.2.7 parser.c decomment())."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\" and not quoted and line[i + 1 : i + 2] in ("#", "!"):
            out.append(line[i + 1])
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c in "#!" and not quoted:
            break
        out.append(c)
        i += 1
    return "".join(out).rstrip()


def split_words(line: str) -> list[str]:
    """Words of a comment-free line: double quotes make one word (no escapes inside), `{` and
    `}` are words of their own. Raises ValueError for an unmatched quote."""
    words: list[str] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c.isspace():
            i += 1
        elif c in "{}":
            words.append(c)
            i += 1
        elif c == '"':
            end = line.find('"', i + 1)
            if end < 0:
                raise ValueError(f"Unmatched quote: '{line.strip()}'")
            words.append(line[i + 1 : end])
            i = end + 1
        else:
            j = i
            while j < n and not line[j].isspace() and line[j] not in '{}"':
                j += 1
            words.append(line[i:j])
            i = j
    return words


@dataclass(slots=True)
class _TreeBuilder:
    diagnostics: Diagnostics
    read_file: ReadFile
    macros: Macros
    root: list[Statement] = field(default_factory=list)
    stack: list[Statement] = field(default_factory=list)

    @property
    def current(self) -> list[Statement]:
        if not self.stack:
            return self.root
        block = self.stack[-1].block
        assert block is not None  # a statement is pushed only once its block exists
        return block

    def feed(self, file: str, text: str, depth: int) -> None:
        for number, raw in enumerate(text.splitlines(), start=1):
            location = Location(file, number)
            line = self.macros.expand(location, strip_comment(raw), self.diagnostics)
            if line is None:
                continue
            if line.split(None, 1)[:1] == ["include"]:
                self._include(location, line.split(None, 1)[1:], depth)
                continue
            try:
                words = split_words(line)
            except ValueError as error:
                self.diagnostics.alert(location, str(error))
                continue
            self._line(location, words, depth)

    def _line(self, location: Location, words: list[str], depth: int) -> None:
        pending: list[str] = []
        for word in words:
            if word == "{":
                self._open(location, pending)
                pending = []
            elif word == "}":
                self._emit(location, pending, depth)
                pending = []
                self._close(location)
            else:
                pending.append(word)
        self._emit(location, pending, depth)

    def _emit(self, location: Location, words: list[str], depth: int) -> None:
        if not words:
            return
        self.current.append(Statement(location, words))

    def _open(self, location: Location, words: list[str]) -> None:
        if words:
            statement = Statement(location, words)
            self.current.append(statement)
        elif self.current and self.current[-1].block is None:
            statement = self.current[-1]
        else:
            self.diagnostics.alert(location, "'{' with no keyword before it")
            statement = Statement(location, ["{"])
            self.current.append(statement)
        statement.block = []
        statement.block_location = location
        self.stack.append(statement)

    def _close(self, location: Location) -> None:
        if not self.stack:
            self.diagnostics.alert(location, "unexpected '}' with no block open")
            return
        self.stack.pop()

    def _include(self, location: Location, rest: list[str], depth: int) -> None:
        """`include <glob>`: the rest of the line, quotes and spaces included, is the glob."""
        if not rest:
            self.diagnostics.alert(location, "Unknown keyword 'include'")
            return
        pattern = rest[0].strip()
        if depth >= MAX_INCLUDE_DEPTH:
            self.diagnostics.alert(location, f"include depth over {MAX_INCLUDE_DEPTH}: '{pattern}'")
            return
        written = pattern
        if not os.path.isabs(pattern):
            pattern = os.path.join(os.path.dirname(location.file), pattern)
        paths = sorted(p for p in glob.glob(pattern) if os.path.isfile(p))
        if not paths:
            self.diagnostics.alert(location, f"Config files missing '{written}'.")
        for path in paths:
            try:
                text = self.read_file(path)
            except OSError as error:
                self.diagnostics.alert(location, f"include '{path}': {error.strerror}")
                continue
            self.feed(path, text, depth + 1)

    def finish(self) -> list[Statement]:
        for statement in self.stack:
            self.diagnostics.alert(statement.block_location or statement.location,
                                   f"missing '}}' closing the block of '{statement.words[0]}'")
        self.stack.clear()
        return self.root


def parse_tree(file: str, text: str, diagnostics: Diagnostics, read_file: ReadFile,
               config_id: str) -> list[Statement]:
    """The top-level statements of one keepalived.conf, includes spliced in. `config_id` is
    what `@ID` lines are compared with (keepalived's `-i`, by default the node name)."""
    builder = _TreeBuilder(diagnostics, read_file, Macros(config_id))
    builder.feed(file, text, 0)
    return builder.finish()
