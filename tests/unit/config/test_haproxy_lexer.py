"""haproxy.cfg word splitting, each case as `haproxy -c` 2.6.12 splits it (notes verified with
the binary's `.notice` echo)."""

from __future__ import annotations

import pytest

from hacore.config.haproxy_lexer import MAX_LINE_ARGS, LexError, split_line

ENV = {"FOO": "a  b", "E": "val", "EMPTY": "", "SPLIT": "x  y z"}

CASES = [
    ("  bind *:80   ssl", ["bind", "*:80", "ssl"]),
    ("a#b c", ["a"]),
    ("server s1 1.2.3.4:80 # comment", ["server", "s1", "1.2.3.4:80"]),
    ('ab"cd"ef\'gh\'ij', ["abcdefghij"]),
    ('x "" y', ["x", "", "y"]),
    ('"x\\ty\\x41\\\\z\\r\\n\\"q\\\' \\$"', ['x\tyA\\z\r\n"q\' $']),
    ("x\\ty\\x41\\\\z\\\"q\\'\\$", ["x\tyA\\z\"q'\\$"]),
    ("'single \\t $FOO # kept'", ["single \\t $FOO # kept"]),
    ("a\\ b", ["a b"]),
    ("a\\#b", ["a#b"]),
    ("a\\qb", ["a\\qb"]),
    ("$FOO ${FOO}", ["$FOO", "${FOO}"]),
    ('"$FOO"', ["a  b"]),
    ('"$FOO.bar"', ["a  b.bar"]),
    ('"${E}x"', ["valx"]),
    ('"$UNDEF"', [""]),
    ('"a${UNDEF}b"', ["ab"]),
    ('"${UNDEF-def}"', ["def"]),
    ('"${EMPTY-def}"', [""]),
    ('x${E-def}y', ["x${E-def}y"]),
    ('"${SPLIT[*]}"', ["x", "y", "z"]),
    ("option httpchk GET /health HTTP/1.1\\r\\nHost:\\ localhost",
     ["option", "httpchk", "GET", "/health", "HTTP/1.1\r\nHost: localhost"]),
    ("abc\rdef", ["abc"]),
    ("trailing\\", ["trailing\\"]),
]


@pytest.mark.parametrize(("line", "words"), CASES)
def test_split(line: str, words: list[str]) -> None:
    assert split_line(line, ENV) == words


ERRORS = [
    ('.notice "abc', "unmatched quote", 9),
    ('        acl a hdr(x) "abc', "unmatched quote", 22),
    ('.notice "\\x4"', "truncated or invalid hexadecimal sequence", 10),
    ('.notice "$1abc"', "forbidden first char in environment variable name", 11),
    ('.notice "${FOO"', "unmatched brace in environment variable name", 11),
    ('.notice "${FOO[x]}"', "truncated or invalid word expansion sequence", 15),
]


@pytest.mark.parametrize(("line", "message", "position"), ERRORS)
def test_errors_name_the_column(line: str, message: str, position: int) -> None:
    with pytest.raises(LexError) as caught:
        split_line(line, ENV)
    assert (caught.value.message, caught.value.position) == (message, position)


def test_too_many_words() -> None:
    assert len(split_line(" ".join(["w"] * MAX_LINE_ARGS), ENV)) == MAX_LINE_ARGS
    with pytest.raises(LexError, match="too many words, truncating after word 64"):
        split_line(" ".join(["w"] * (MAX_LINE_ARGS + 1)), ENV)
