"""http-request rules and redirects through haproxy 2.6 and hacore: the same requests, the
same bytes back (deny pages and their statuses, `return` replies with headers and
log-format payloads, reason phrases, redirect locations and caching), and the same
decision to keep the connection for a second request."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.interop.test_dataplane_vs_haproxy import BOUND, both, get

pytestmark = pytest.mark.interop("haproxy")
T = TypeVar("T")

RULES = """\
    http-request set-header X-Src %[src]
    http-request set-header X-Pct 100%%
    http-request add-header X-Host "host=%[req.hdr(host),lower] from %ci"
    http-request return status 200 content-type text/plain \
        lf-string "%[req.hdr(x-src)] %[req.hdr(x-pct)] %[req.hdr(x-host)]" if { path /hdr }
    http-request deny deny_status 429 if { path /d429 }
    http-request deny deny_status 400 if { path /d400 }
    http-request deny status 404 if { path /s404 }
    http-request deny if { path /deny }
    http-request return status 200 content-type text/plain string "x" hdr X-A b \
        hdr X-B "%[src]" if { path /s1 }
    http-request return status 201 if { path /r201 }
    http-request return status 204 if { path /r204 }
    http-request return status 404 if { path /r404 }
    http-request return status 503 if { path /r503 }
    http-request return status 418 if { path /r418 }
    http-request return status 200 default-errorfiles if { path /r200page }
    http-request redirect code 301 location /moved if { path /rd301 }
    http-request redirect location /temp if { path /rd302 }
    http-request redirect prefix /pfx append-slash if { path_beg /as }
    http-request redirect prefix / drop-query if { path_beg /dq }
    redirect scheme https code 303 if { path_beg /sch }
"""  # (a backslash at the end of a line joins it with the next, in this string)
REQUESTS = ["/hdr", "/d429", "/d400", "/s404", "/deny", "/s1", "/r201", "/r204", "/r404",
            "/r503", "/r418", "/r200page", "/rd301", "/rd302", "/as/x?q=1", "/as/y/",
            "/dq/a?b=c", "/sch/p?q", "http://abs.example/sch/abs?z"]


async def read_response(reader: asyncio.StreamReader) -> bytes:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND)
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + await asyncio.wait_for(reader.readexactly(length), BOUND)


async def one_response(port: int, raw: bytes) -> bytes:
    """The response to `raw` sent on a new connection (read by its Content-Length)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), BOUND)
    try:
        writer.write(raw)
        return await read_response(reader)
    finally:
        writer.close()
        await writer.wait_closed()


async def through_both(raw: bytes, tmp: Path, ask: Callable[[int], Awaitable[T]]) -> list[T]:
    """What `ask` gets from haproxy, then from hacore, in front of one server that answers
    `raw` to every connection's first request."""
    async with both("    server app1 127.0.0.1:{0}\n", [("app1", raw)], tmp) as ports:
        return [await ask(port) for port in ports]


async def answer_then_next(port: int, target: str) -> tuple[bytes, bytes]:
    """The answer to `target`, then the answer to a second request on the same connection
    (b"" when the proxy closed it)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), BOUND)
    try:
        host = b"abs.example" if target.startswith("http") else b"Shop.Example"
        writer.write(b"GET " + target.encode() + b" HTTP/1.1\r\nhost: " + host + b"\r\n\r\n")
        first = await read_response(reader)
        writer.write(b"GET /r201 HTTP/1.1\r\nhost: t\r\n\r\n")
        try:
            second = await read_response(reader)
        except asyncio.IncompleteReadError as closed:
            second = closed.partial
        return first, second
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.asyncio
async def test_rule_answers_are_haproxys_byte_for_byte(tmp_path: Path) -> None:
    rules = RULES.replace("{", "{{").replace("}", "}}")  # both() formats the frontend
    async with both("    server app1 127.0.0.1:{0}\n", [("app1", None)], tmp_path,
                    rules) as (hap, hc):
        theirs = [await answer_then_next(hap, target) for target in REQUESTS]
        ours = [await answer_then_next(hc, target) for target in REQUESTS]
    for target, mine, reference in zip(REQUESTS, ours, theirs, strict=True):
        assert (target, mine) == (target, reference)


@pytest.mark.asyncio
async def test_connection_kept_after_a_503_as_haproxy(tmp_path: Path) -> None:
    """http-server-close: a 503 for a backend without servers, or after a failed connect,
    leaves the client connection open for the next request in both proxies."""
    backends = ("    server app1 127.0.0.1:{0}\nbackend nosrv\nbackend down\n    retries 0\n"
                "    server d 127.0.0.1:1\n")
    rules = "    use_backend nosrv if {{ path /nosrv }}\n    use_backend down if {{ path /down }}\n"
    async with both(backends, [("app1", None)], tmp_path, rules) as (hap, hc):
        theirs = [await answer_then_next(hap, target) for target in ("/nosrv", "/down")]
        ours = [await answer_then_next(hc, target) for target in ("/nosrv", "/down")]
    assert ours == theirs
    assert all(second.startswith(b"HTTP/1.1 200") for _, second in ours)


@pytest.mark.asyncio
@pytest.mark.parametrize("raw", [
    b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
    b"HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n",
], ids=["http10-response", "http11-response", "204-with-length"])
@pytest.mark.parametrize("request_line", [b"GET / HTTP/1.1\r\nhost: t\r\n",
                                          b"GET / HTTP/1.1\r\nhost: t\r\nconnection: close\r\n",
                                          b"GET / HTTP/1.0\r\n",
                                          b"GET / HTTP/1.0\r\nconnection: keep-alive\r\n"],
                         ids=["11", "11-close", "10", "10-keep-alive"])
async def test_response_connection_header_is_haproxys(raw: bytes, request_line: bytes,
                                                      tmp_path: Path) -> None:
    """The `connection` value (or none) and framing headers the client gets, by request
    and response version, as haproxy 2.6 writes them."""
    async with both("    server app1 127.0.0.1:{0}\n", [("app1", raw)], tmp_path) as (hap, hc):
        answers = []
        for port in (hap, hc):
            answers.append(await one_response(port, request_line + b"\r\n"))
    assert answers[1] == answers[0]


@pytest.mark.asyncio
@pytest.mark.parametrize("request_line", [b"HTTP/1.0\r\n", b"HTTP/1.0\r\nconnection: keep-alive\r\n",
                                          b"HTTP/1.1\r\nhost: t\r\nconnection: close\r\n",
                                          b"HTTP/1.1\r\nhost: t\r\n"],
                         ids=["10", "10-keep-alive", "11-close", "11"])
@pytest.mark.parametrize("option", ["", "    option httpclose\n"], ids=["keep-alive", "httpclose"])
async def test_generated_responses_connection_header_is_haproxys(request_line: bytes,
                                                                 option: str,
                                                                 tmp_path: Path) -> None:
    """deny, redirect, return and a 503 page: `connection: close` when the connection
    closes after them, `keep-alive` to an HTTP/1.0 client whose connection stays."""
    rules = (option + "    http-request deny if {{ path /deny }}\n"
             "    http-request redirect location /x if {{ path /rd }}\n"
             "    http-request return status 200 if {{ path /ret }}\n"
             "    use_backend nosrv if {{ path /none }}\n")
    answers: list[list[bytes]] = [[], []]
    async with both("    server app1 127.0.0.1:{0}\nbackend nosrv\n", [("app1", None)],
                    tmp_path, rules) as ports:
        for index, port in enumerate(ports):
            for path in (b"/deny", b"/rd", b"/ret", b"/none"):
                request = b"GET " + path + b" " + request_line + b"\r\n"
                answers[index].append(await one_response(port, request))
    assert answers[1] == answers[0]


@pytest.mark.asyncio
async def test_response_trailers_are_forwarded_as_haproxy(tmp_path: Path) -> None:
    raw = (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
           b"X-Checksum: abc\r\nX-Other: 1\r\n\r\n")
    async with both("    server app1 127.0.0.1:{0}\n", [("app1", raw)], tmp_path) as (hap, hc):
        answers = []
        for port in (hap, hc):
            answers.append(await get(port))
    assert answers[1] == answers[0]
    assert answers[0].endswith(b"0\r\nx-checksum: abc\r\nx-other: 1\r\n\r\n")


@pytest.mark.asyncio
async def test_log_format_use_backend_routes_as_haproxy(tmp_path: Path) -> None:
    """`use_backend %[req.hdr(host),lower]`: the backend of that name, else default_backend
    (the later rules skipped)."""
    backends = ("    server d1 127.0.0.1:{0}\nbackend web.example\n    server w1 127.0.0.1:{1}\n"
                "backend never\n    server n1 127.0.0.1:{2}\n")
    rules = "    use_backend %[req.hdr(host),lower]\n    use_backend never\n"
    names = [("dflt", None), ("web", None), ("never", None)]
    hosts = [b"Web.Example", b"nosuch.example"]
    async with both(backends, names, tmp_path, rules) as (hap, hc):
        answers = []
        for port in (hap, hc):
            for host in hosts:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), BOUND)
                writer.write(b"GET / HTTP/1.1\r\nhost: " + host + b"\r\nconnection: close\r\n\r\n")
                answer = await asyncio.wait_for(reader.read(), BOUND)
                answers.append(answer.split(b"\r\n\r\n", 1)[1].split(b" ")[0])
                writer.close()
                await writer.wait_closed()
    assert answers == [b"web", b"dflt", b"web", b"dflt"]


@pytest.mark.asyncio
async def test_non_ascii_and_binary_payloads_go_as_haproxy_sends_them(tmp_path: Path) -> None:
    """Configuration words go out as the file's UTF-8 bytes; a `file` payload as its bytes."""
    payload = tmp_path / "logo.bin"
    payload.write_bytes(b"caf\xc3\xa9 \x89PNG\xff\n")
    rules = ("    http-request set-header X-Euro \"\u20ac%[path]\"\n"
             "    http-request return status 200 content-type text/plain "
             "lf-string \"caf\u00e9 \u20ac %[path] %[req.hdr(x-euro)]\" if {{ path /lf }}\n"
             f"    http-request return status 200 content-type image/png file {payload} "
             "if {{ path /file }}\n"
             "    http-request redirect location /\u00e9t\u00e9 if {{ path /rd }}\n")
    answers: list[list[bytes]] = [[], []]
    async with both("    server app1 127.0.0.1:{0}\n", [("app1", None)], tmp_path,
                    rules) as ports:
        for index, port in enumerate(ports):
            for target in ("/lf", "/file", "/rd"):
                answers[index].append((await answer_then_next(port, target))[0])
    assert answers[1] == answers[0]
    assert answers[0][1].endswith(b"\r\n\r\ncaf\xc3\xa9 \x89PNG\xff\n")


@pytest.mark.asyncio
async def test_http10_chunked_response_closes_as_haproxy(tmp_path: Path) -> None:
    raw = b"HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    answers = []
    async with both("    server app1 127.0.0.1:{0}\n", [("app1", raw)], tmp_path) as ports:
        for port in ports:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port), BOUND)
            writer.write(b"GET / HTTP/1.1\r\nhost: t\r\n\r\n")
            first = await asyncio.wait_for(reader.readuntil(b"0\r\n\r\n"), BOUND)
            writer.write(b"GET / HTTP/1.1\r\nhost: t\r\n\r\n")
            answers.append((first, await asyncio.wait_for(reader.read(), BOUND)))
            writer.close()
            await writer.wait_closed()
    assert answers[1] == answers[0]
    assert answers[0][1] == b""  # closed after the first response


@pytest.mark.asyncio
@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\ncontent-length: 2\n\nok",
    b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n"
    b"2\r\nok\r\n0\r\n\r\n",
    b"HTTP/1.2 200 OK\r\ncontent-length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nX-A: a\r\n\tb\r\n c\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
], ids=["bare-lf", "length-and-chunked", "http-1.2", "equal-lengths", "length-list",
        "obs-fold", "interim-then-obs-fold"])
async def test_lenient_responses_are_forwarded_as_haproxy(raw: bytes, tmp_path: Path) -> None:
    """Responses llhttp refuses by default and haproxy 2.6 forwards, normalised as it does."""
    answers = await through_both(raw, tmp_path, get)
    assert answers[1] == answers[0]
    assert b"HTTP/1.1 200 OK\r\n" in answers[0]


@pytest.mark.asyncio
@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"2\r\nok\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nhello",
    b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Big: " + b"a" * 15200 + b"\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Big: " + b"a" * 15250 + b"\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(100)) + b"\r\n",
    b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(101)) + b"\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked , \r\n\r\n2\r\nok\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-A: a\x00b\x01c\x1fd\x7fe\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nX A: ab\r\nContent-Length: 2\r\n\r\nok",
], ids=["bad-chunk-with-head", "gzip-chunked", "chunked-twice", "identity", "204-chunked",
        "head-fits", "head-too-large", "100-headers", "101-headers", "chunked-comma",
        "chunked-comma-blanks", "control-bytes-in-value", "bare-cr-in-value",
        "space-in-name"])
async def test_odd_response_framing_as_haproxy(raw: bytes, tmp_path: Path) -> None:
    """A 502 for what haproxy 2.6 refuses (a transfer coding besides chunked alone, a bad
    chunk read with the head, a head over the buffer or `tune.http.maxhdr`, a bare CR in a
    value, a blank in a name); a 204 loses its Transfer-Encoding; `chunked,` is chunked
    (and forwarded as written); control bytes in values pass. The client connection stays
    for a second request in both."""
    answers = await through_both(raw, tmp_path, lambda port: answer_then_next(port, "/"))
    assert answers[1] == answers[0]


@pytest.mark.asyncio
async def test_response_rule_conditions_read_the_response_as_haproxy(tmp_path: Path) -> None:
    """http-response conditions: `status` and `res.hdr()` read the response; a request
    fetch (`path_beg`, `hdr()`) never matches there; connection fetches (`src`) do."""
    rules = ("    http-response set-header X-Status-200 yes if {{ status 200 }}\n"
             "    http-response set-header X-Status-404 yes if {{ status 404 }}\n"
             "    http-response set-header X-Json yes if {{ res.hdr(content-type) -m sub json }}\n"
             "    http-response set-header X-Never yes if {{ path_beg / }}\n"
             "    http-response set-header X-Not-Path yes if !{{ path_beg / }}\n"
             "    http-response set-header X-Local yes if {{ src 127.0.0.0/8 }}\n")
    raw = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\nok"
    async with both("    server app1 127.0.0.1:{0}\n", [("app1", raw)], tmp_path,
                    rules) as ports:
        answers = [await get(port) for port in ports]
    assert answers[1] == answers[0]
    assert b"x-status-200: yes\r\nx-json: yes\r\nx-not-path: yes\r\nx-local: yes\r\n" in answers[0]


@pytest.mark.asyncio
@pytest.mark.parametrize("raw", [
    b"GET / HTTP/1.1\r\nhost: t\r\n\r\n",
    b"GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n",
], ids=["http11", "http10-keep-alive"])
async def test_a_fin_behind_a_request_changes_no_header(raw: bytes, tmp_path: Path) -> None:
    """The client shuts its side right after its request: the response is the one it would
    have had (no `connection: close` added), then the connection closes (haproxy 2.6)."""
    async def shut_after_request(port: int) -> bytes:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), BOUND)
        writer.write(raw)
        writer.write_eof()
        answer = await asyncio.wait_for(reader.read(), BOUND)
        writer.close()
        await writer.wait_closed()
        return answer

    answers = await through_both(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", tmp_path,
                                 shut_after_request)
    assert answers[1] == answers[0]


CHUNKED_POST = (b"POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n"
                b"connection: close\r\n\r\n3\r\nabc\r\n0\r\n")
# (not here: a first trailer line starting with a blank, and a blank in a trailer name,
# which haproxy 2.6.12 answers 400 or passes on from one run to the next; hacore refuses
# the first and passes the second on)
TRAILERS = [b"x-t: 1\r\n folded\r\n", b"x-t: 1\r\n\tf2  \r\n", b": v\r\n", b"nocolon\r\n",
            b"x-t: a\x01b\r\n", b"X-Up: A  \r\n"]


@pytest.mark.asyncio
@pytest.mark.parametrize("trailers", TRAILERS)
async def test_request_trailers_as_haproxy(trailers: bytes, tmp_path: Path) -> None:
    """Request trailers are read as haproxy 2.6 reads them: obs-fold unfolded (the CRLF
    becomes two spaces), a line without a name or a colon a 400, anything else passed on
    as it came but the name lower-cased: the same answer, the same bytes at the server."""
    received: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            received.append(await reader.readuntil(b"\r\n\r\n")
                            + await reader.readuntil(b"\r\n\r\n"))
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(record, "127.0.0.1", 0)
    backend = f"    server s1 127.0.0.1:{server.sockets[0].getsockname()[1]}\n"
    seen = []
    try:
        async with both(backend, [], tmp_path) as ports:
            for port in ports:
                received.clear()
                answer = await get(port, raw=CHUNKED_POST + trailers + b"\r\n")
                seen.append((answer, list(received)))
    finally:
        server.close()
    assert seen[1] == seen[0]
