"""`mode http` on loopback, on both event loops: balancing order over HTTP, keep-alive to the
client with one server connection per request (http-server-close), x-forwarded-for, request
bodies, redirects, and HAProxy's own error responses."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from hacore.config import load_texts
from hacore.http.errors import ERRORS
from hacore.proxy.dataplane import DataPlane
from tests.integration.http_backends import start_http_backends
from tests.integration.plane import data_plane, in_front_of

BOUND = 10.0
DEFAULTS = ("defaults\n    mode http\n    option forwardfor\n    option http-server-close\n"
            "    timeout connect 1s\n    timeout client 5s\n    timeout server 2s\n")


@asynccontextmanager
async def proxy(port: int, body: str, specs: list[tuple[str, bytes | None]]
                ) -> AsyncIterator[None]:
    servers, ports = await start_http_backends(specs)
    text = DEFAULTS + body.format(port, *ports)
    try:
        async with data_plane(text):
            yield
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()


async def exchange(port: int, raw: bytes, responses: int = 1) -> list[bytes]:
    """Send `raw` on one connection; read `responses` content-length framed responses."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), BOUND)
    try:
        writer.write(raw)
        out = []
        for _ in range(responses):
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND)
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            out.append(head + await asyncio.wait_for(reader.readexactly(length), BOUND))
        return out
    finally:
        writer.close()
        await writer.wait_closed()


def body_of(response: bytes) -> str:
    return response.split(b"\r\n\r\n", 1)[1].decode()


ROUND_ROBIN = ("frontend fe\n    bind 127.0.0.1:{0}\n    default_backend be\n"
               "backend be\n    balance roundrobin\n    server s1 127.0.0.1:{1} weight 3\n"
               "    server s2 127.0.0.1:{2} weight 2\n    server s3 127.0.0.1:{3} weight 1\n")


@pytest.mark.asyncio
async def test_keep_alive_client_and_roundrobin_order(unused_tcp_port: int) -> None:
    async with proxy(unused_tcp_port, ROUND_ROBIN, [("s1", None), ("s2", None), ("s3", None)]):
        request = b"GET /x HTTP/1.1\r\nhost: example\r\n\r\n"
        responses = await exchange(unused_tcp_port, request * 6, responses=6)
    names = [body_of(r).split()[0] for r in responses]
    assert names == ["s1", "s2", "s1", "s3", "s1", "s2"]
    first = body_of(responses[0])
    assert first == "s1 GET /x HTTP/1.1 xff=127.0.0.1 conn=close body=0"
    assert responses[0].startswith(b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n")


@pytest.mark.asyncio
async def test_request_bodies_content_length_and_chunked(unused_tcp_port: int) -> None:
    async with proxy(unused_tcp_port, ROUND_ROBIN, [("s1", None), ("s2", None), ("s3", None)]):
        fixed = b"POST /a HTTP/1.1\r\ncontent-length: 5\r\n\r\nhello"
        chunked = (b"POST /b HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 99\r\n"
                   b"\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
        responses = await exchange(unused_tcp_port, fixed + chunked, responses=2)
    assert [body_of(r).split()[-1] for r in responses] == ["body=5", "body=7"]


@pytest.mark.asyncio
async def test_no_server_is_haproxys_503(unused_tcp_port: int) -> None:
    config = "frontend fe\n    bind 127.0.0.1:{0}\n    default_backend be\nbackend be\n"
    async with proxy(unused_tcp_port, config, []):
        (response,) = await exchange(unused_tcp_port, b"GET / HTTP/1.1\r\n\r\n")
    assert response == ERRORS[503]


@pytest.mark.asyncio
async def test_invalid_response_is_502_and_bad_request_is_400(unused_tcp_port: int) -> None:
    config = ("frontend fe\n    bind 127.0.0.1:{0}\n    default_backend be\nbackend be\n"
              "    server bad 127.0.0.1:{1}\n")
    async with proxy(unused_tcp_port, config, [("bad", b"NOT HTTP\r\n\r\n")]):
        (bad_gateway,) = await exchange(unused_tcp_port, b"GET / HTTP/1.1\r\n\r\n")
        (bad_request,) = await exchange(unused_tcp_port, b"GET / HTTP/1.1\r\nHost x\r\n\r\n")
    assert bad_gateway == ERRORS[502]
    assert bad_request == ERRORS[400]


@pytest.mark.asyncio
async def test_course_redirect_and_acl_routing(unused_tcp_port: int) -> None:
    config = ("frontend fe\n    bind 127.0.0.1:{0}\n"
              "    redirect scheme https code 301 if {{ path_beg /secure }} !{{ ssl_fc }}\n"
              "    acl is_api path_beg /api\n    use_backend api if is_api\n"
              "    default_backend web\nbackend api\n    server a1 127.0.0.1:{1}\n"
              "backend web\n    server w1 127.0.0.1:{2}\n")
    async with proxy(unused_tcp_port, config, [("a1", None), ("w1", None)]):
        api, web, moved = await exchange(
            unused_tcp_port, b"GET /api/v1 HTTP/1.1\r\n\r\nGET /home HTTP/1.1\r\n\r\n"
            b"GET /secure/x?y=1 HTTP/1.1\r\nhost: shop.example\r\n\r\n", responses=3)
    assert body_of(api).startswith("a1 GET /api/v1")
    assert body_of(web).startswith("w1 GET /home")
    assert moved == (b"HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\n"
                     b"location: https://shop.example/secure/x?y=1\r\n\r\n")


@pytest.mark.asyncio
async def test_http_request_and_response_header_rules(unused_tcp_port: int) -> None:
    config = ("frontend fe\n    bind 127.0.0.1:{0}\n    http-request deny if {{ path_beg /private }}\n"
              "    http-response set-header X-Served-By lb1\n    default_backend web\n"
              "backend web\n    http-response del-header x-backend-secret\n"
              "    server w1 127.0.0.1:{1}\n")
    async with proxy(unused_tcp_port, config, [("w1", None)]):
        served, denied = await exchange(
            unused_tcp_port, b"GET /a HTTP/1.1\r\n\r\nGET /private HTTP/1.1\r\n\r\n", 2)
    assert b"\r\nx-served-by: lb1\r\n" in served
    assert denied == ERRORS[403]


@pytest.mark.asyncio
async def test_errorfile_is_sent_as_haproxy_writes_it(unused_tcp_port: int,
                                                      tmp_path: Path) -> None:
    """The course's errorfile (Debian's 503.http): names lower-cased, its `Connection:
    close` consumed (HTTP/1.0 closes by default), the body delimited by the close (bytes
    captured from haproxy 2.6.12)."""
    page = tmp_path / "503.http"
    page.write_bytes(b"HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\n"
                     b"Connection: close\r\nContent-Type: text/html\r\n\r\n<h1>course 503</h1>\n")
    config = ("frontend fe\n    bind 127.0.0.1:{0}\n    default_backend be\nbackend be\n"
              f"    errorfile 503 {page}\n")
    async with proxy(unused_tcp_port, config, []):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), BOUND)
        writer.close()
        await writer.wait_closed()
    assert answer == (b"HTTP/1.0 503 Service Unavailable\r\ncache-control: no-cache\r\n"
                      b"content-type: text/html\r\n\r\n<h1>course 503</h1>\n")


def test_missing_errorfile_stops_the_start_naming_the_line() -> None:
    text = DEFAULTS + ("frontend fe\n    bind 127.0.0.1:1\n    default_backend be\nbackend be\n"
                       "    errorfile 503 /nonexistent/503.http\n")
    config = load_texts([("t.cfg", text)], env={})
    assert config.haproxy is not None
    with pytest.raises(OSError, match=r"errorfile 503 '/nonexistent/503.http' \(t.cfg:12\): No "
                                      "such file or directory"):
        DataPlane(config.haproxy)


@pytest.mark.asyncio
async def test_httplog_line(unused_tcp_port: int, capfd: pytest.CaptureFixture[str]) -> None:
    config = ("frontend fe\n    bind 127.0.0.1:{0}\n    option httplog\n"
              "    log stderr format raw local0\n    default_backend be\nbackend be\n"
              "    server s1 127.0.0.1:{1}\n")
    async with proxy(unused_tcp_port, config, [("s1", None)]):
        await exchange(unused_tcp_port, b"GET /x HTTP/1.1\r\n\r\n")
    line = capfd.readouterr().err.strip().splitlines()[-1]
    assert re.fullmatch(
        r'127\.0\.0\.1:\d+ \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe be/s1 '
        r'\d+/0/\d+/\d+/\d+ 200 100 - - ---- 1/1/0/0/0 0/0 "GET /x HTTP/1\.1"', line), line
    # 100: haproxy's HTX size (21 + `HTTP/1.1` `200` `OK` + `content-length` `50` + 50 body
    # bytes), not the 89 bytes on the wire


@pytest.mark.asyncio
async def test_server_connection_closed_first_is_reset_as_haproxy_does(unused_tcp_port: int
                                                                       ) -> None:
    """http-server-close: after a whole response the proxy closes the server side first,
    with a reset (no TIME_WAIT on the proxy's ports), as haproxy 2.6 does on the wire."""
    seen: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        try:
            seen.set_result("fin" if await reader.read() == b"" else "data")
        except ConnectionResetError:
            seen.set_result("reset")
        writer.close()

    async with in_front_of(server, unused_tcp_port, "    option http-server-close\n"):
        (answer,) = await exchange(unused_tcp_port, b"GET / HTTP/1.1\r\n\r\n")
        assert await asyncio.wait_for(seen, BOUND) == "reset"
    assert answer.endswith(b"\r\n\r\nok")


@pytest.mark.asyncio
@pytest.mark.parametrize(("mode", "option", "quickack"), [
    ("http", "", 0), ("tcp", "", 1), ("http", "    no option tcp-smart-accept\n", 1)])
async def test_listening_socket_quickack_as_haproxy_sets_it(unused_tcp_port: int, mode: str,
                                                            option: str, quickack: int) -> None:
    """`option tcp-smart-accept`, on by default in HTTP mode: TCP_QUICKACK 0 on the listening
    socket (no bare ACK before the response), 1 otherwise, as haproxy 2.6 sets it."""
    text = (f"defaults\n    mode {mode}\n{option}frontend fe\n    bind 127.0.0.1:{unused_tcp_port}\n"
            "    default_backend be\nbackend be\n    server s1 127.0.0.1:1\n")
    async with data_plane(text) as plane:
        assert [listener.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK)
                for listener in plane.listeners] == [quickack]


@pytest.mark.asyncio
@pytest.mark.parametrize(("sent", "answer"), [
    (b"", ERRORS[400]), (b"\r\n", ERRORS[400]),  # shut before any request: haproxy's 400
    (b"GET / HTTP/1.1\r\n\r\n", None),  # shut after a request: only its answer
])
async def test_client_shut_before_a_request_gets_a_400(unused_tcp_port: int, sent: bytes,
                                                       answer: bytes | None) -> None:
    config = ("frontend fe\n    bind 127.0.0.1:{0}\n    http-request return status 200\n"
              "    default_backend be\nbackend be\n    server s1 127.0.0.1:{1}\n")
    async with proxy(unused_tcp_port, config, [("s1", None)]):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(sent)
        writer.write_eof()
        received = await asyncio.wait_for(reader.read(), BOUND)
        writer.close()
        await writer.wait_closed()
    assert received == (answer or b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")


@pytest.mark.asyncio
async def test_httplog_termination_states_and_unset_timers_are_haproxys(
        unused_tcp_port: int, capfd: pytest.CaptureFixture[str]) -> None:
    """The session state and the -1 timers haproxy 2.6 logs (captured from it): a deny (PR),
    a redirect (LR), no server (SC, no Tw), a failed connect (SC, the server and the
    retries named), an invalid response (PH), a request refused while read (<BADREQ>)."""
    config = ("frontend fe\n    bind 127.0.0.1:{0}\n    option httplog\n"
              "    log stderr format raw local0\n    http-request deny if {{ path /deny }}\n"
              "    http-request redirect location /x if {{ path /rd }}\n"
              "    use_backend nosrv if {{ path /nosrv }}\n    use_backend down if {{ path /down }}\n"
              "    default_backend be\nbackend be\n    server bad 127.0.0.1:{1}\n"
              "backend nosrv\nbackend down\n    retries 1\n    timeout connect 100ms\n"
              "    server d 127.0.0.1:1\n")
    requests = [b"GET /deny HTTP/1.1\r\n\r\n", b"GET /rd HTTP/1.1\r\n\r\n",
                b"GET /nosrv HTTP/1.1\r\n\r\n", b"GET /down HTTP/1.1\r\n\r\n",
                b"GET /bad HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nHost x\r\n\r\n"]
    async with proxy(unused_tcp_port, config, [("bad", b"NOT HTTP\r\n\r\n")]):
        for raw in requests:
            await exchange(unused_tcp_port, raw)
    lines = [re.sub(r"^127\.0\.0\.1:\d+ \[[^]]+\] ", "", line)
             for line in capfd.readouterr().err.strip().splitlines()]
    expected = [
        r'fe fe/<NOSRV> \d+/-1/-1/-1/\d+ 403 \d+ - - PR-- 1/1/0/0/0 0/0 "GET /deny HTTP/1\.1"',
        r'fe fe/<NOSRV> \d+/-1/-1/-1/\d+ 302 \d+ - - LR-- 1/1/0/0/0 0/0 "GET /rd HTTP/1\.1"',
        r'fe nosrv/<NOSRV> \d+/-1/-1/-1/\d+ 503 \d+ - - SC-- 1/1/0/0/0 0/0 "GET /nosrv HTTP/1\.1"',
        r'fe down/d \d+/0/-1/-1/\d+ 503 \d+ - - SC-- 1/1/0/0/1 0/0 "GET /down HTTP/1\.1"',
        r'fe be/bad \d+/0/\d+/-1/\d+ 502 \d+ - - PH-- 1/1/0/0/0 0/0 "GET /bad HTTP/1\.1"',
        r'fe fe/<NOSRV> -1/-1/-1/-1/\d+ 400 0 - - PR-- 1/1/0/0/0 0/0 "<BADREQ>"']
    assert len(lines) == len(expected), lines
    for line, pattern in zip(lines, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)


@pytest.mark.asyncio
async def test_a_response_the_client_left_is_logged_cd(unused_tcp_port: int,
                                                       capfd: pytest.CaptureFixture[str]
                                                       ) -> None:
    """The client closes during the response body: haproxy still logs the request, `CD--`."""
    left = asyncio.Event()

    async def server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab")
        await asyncio.wait_for(left.wait(), BOUND)  # the rest never comes
        writer.close()

    settings = "    option httplog\n    log stderr format raw local0\n"
    async with in_front_of(server, unused_tcp_port, settings):
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        writer.write(b"GET /x HTTP/1.1\r\n\r\n")
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\nab"), BOUND)
        writer.close()
        await writer.wait_closed()
        left.set()
    # the data plane stopped: the client's close was handled by then, one way or the other
    (line,) = capfd.readouterr().err.strip().splitlines()
    assert re.fullmatch(r'127\.0\.0\.1:\d+ \[[^]]+\] fe be/s1 \d+/0/\d+/\d+/\d+ 200 \d+ - - CD-- '
                        r'1/1/0/0/0 0/0 "GET /x HTTP/1\.1"', line), line
