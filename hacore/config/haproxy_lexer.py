"""Split haproxy.cfg lines into words exactly as HAProxy 2.6 does (src/tools.c `parse_line()`),
as checked against `haproxy -c` 2.6.12:

- words are separated by unquoted, unescaped whitespace; an unquoted `#` starts a comment, even
  inside a word; a raw carriage return ends the line;
- outside single quotes a backslash escapes: `\\ ` `\\\\` `\\#` `\\"` `\\'` give the character,
  `\\t` `\\n` `\\r` `\\xHH` control bytes; any other escape (`\\q`, and `\\$` outside quotes) stays
  as written, backslash included;
- 'single quotes' take everything literally up to the next single quote;
- environment variables expand only inside "double quotes": `$NAME`, `${NAME}`,
  `${NAME-default}` (default when unset), `${NAME[*]}` (one word per space-separated part), and
  the pseudo-variables `${.FILE}`, `${.LINE}`, `${.SECTION}`; an undefined variable is empty;
- at most 64 words (MAX_LINE_ARGS).
Positions in errors are 1-based columns of the raw line, as HAProxy reports them.
This module knows nothing of sections or keywords.
"""

from __future__ import annotations

from collections.abc import Mapping

MAX_LINE_ARGS = 64

_CONTROL_ESCAPES = {"r": "\r", "n": "\n", "t": "\t"}
_LITERAL_ESCAPES = frozenset(" \\#\"'")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


class LexError(Exception):
    """A line that cannot be split; `position` is the 1-based column of the culprit."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.message = message
        self.position = position


class _Splitter:
    """One pass over one line; not reused across lines."""

    __slots__ = ("env", "quote", "text", "word", "word_started", "words")

    def __init__(self, text: str, env: Mapping[str, str]) -> None:
        self.text = text
        self.env = env
        self.words: list[str] = []
        self.word: list[str] = []
        self.word_started = False
        self.quote = ""

    def end_word(self) -> None:
        if self.word_started:
            self.words.append("".join(self.word))
        self.word = []
        self.word_started = False

    def add(self, chars: str) -> None:
        self.word.append(chars)
        self.word_started = True

    def run(self) -> list[str]:
        text, i, n = self.text, 0, len(self.text)
        while i < n:
            c = text[i]
            if self.quote == "'":
                if c == "'":
                    self.quote = ""
                else:
                    self.add(c)
                i += 1
            elif c == "\\":
                i = self._escape(i)
            elif c in "\"'" and self.quote in ("", c):
                self.quote = "" if self.quote else c
                self.word_started = True
                i += 1
            elif c == "$" and self.quote == '"':
                i = self._variable(i)
            elif c.isspace() and not self.quote:
                self.end_word()
                i += 1
            elif c == "#" and not self.quote:
                break
            else:
                self.add(c)
                i += 1
        if self.quote:
            raise LexError("unmatched quote", self._opening_quote() + 1)
        self.end_word()
        if len(self.words) > MAX_LINE_ARGS:
            raise LexError(f"too many words, truncating after word {MAX_LINE_ARGS}", n)
        return self.words

    def _opening_quote(self) -> int:
        """Column of the quote left open: rescan, since the splitter does not keep it."""
        quote, start = "", 0
        i = 0
        while i < len(self.text):
            c = self.text[i]
            if c == "\\" and quote != "'":
                i += 2
                continue
            if c in "\"'" and quote in ("", c):
                quote, start = ("" if quote else c), i
            i += 1
        return start

    def _escape(self, i: int) -> int:
        text = self.text
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if nxt in _CONTROL_ESCAPES and nxt:
            self.add(_CONTROL_ESCAPES[nxt])
            return i + 2
        if nxt == "x":
            digits = text[i + 2 : i + 4]
            if len(digits) != 2 or not set(digits) <= _HEX_DIGITS:
                raise LexError("truncated or invalid hexadecimal sequence", i + 1)
            self.add(chr(int(digits, 16)))
            return i + 4
        if nxt and (nxt in _LITERAL_ESCAPES or (nxt == "$" and self.quote == '"')):
            self.add(nxt)
            return i + 2
        self.add("\\" + nxt)
        return i + 1 + len(nxt)

    def _variable(self, i: int) -> int:
        text = self.text
        if i + 1 < len(text) and text[i + 1] == "{":
            end = text.find("}", i + 2)
            if end < 0:
                raise LexError("unmatched brace in environment variable name", i + 2)
            self._braced(text[i + 2 : end], i + 2)
            return end + 1
        j = i + 1
        if j >= len(text) or not (text[j].isalpha() or text[j] == "_"):
            raise LexError("forbidden first char in environment variable name", j + 1)
        while j < len(text) and (text[j].isalnum() or text[j] == "_"):
            j += 1
        self.add(self.env.get(text[i + 1 : j], ""))
        self.word_started = True
        return j

    def _braced(self, body: str, column: int) -> None:
        if not body or not (body[0].isalpha() or body[0] in "_."):
            raise LexError("forbidden first char in environment variable name", column + 1)
        name, dash, default = body.partition("-")
        if "[" in name:
            if not name.endswith("[*]"):
                raise LexError("truncated or invalid word expansion sequence",
                               column + name.index("[") + 1)
            self._split_value(self.env.get(name[:-3], ""))
            return
        value = self.env.get(name)
        self.add(default if value is None and dash else value or "")

    def _split_value(self, value: str) -> None:
        for index, part in enumerate(value.split()):
            if index:
                self.end_word()
            self.add(part)


def split_line(text: str, env: Mapping[str, str]) -> list[str]:
    """The words of one haproxy.cfg line (without its newline); raises LexError."""
    return _Splitter(text.split("\r", 1)[0], env).run()
