"""The checks themselves (I/O): a TCP connect, or an HTTP request whose answer is judged by
`http-check expect` (default: any 2xx or 3xx, configuration.txt "option httpchk").
Each probe is bounded by its timeout and never blocks the loop."""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import time

from hacore.config.haproxy_model import HealthCheck, HttpCheckExpect, TcpCheckRule
from hacore.health.result import CheckResult

MAX_RESPONSE = 16384  # bytes of a check response read at most (tune.bufsize)


def _elapsed(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


def _insecure_tls() -> ssl.SSLContext:
    """`check-ssl`: HAProxy checks over TLS without verifying unless told (verify none)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def probe(host: str, port: int, check: HealthCheck, connect_timeout: float,
                read_timeout: float, *, tls: bool = False) -> CheckResult:
    start = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=_insecure_tls() if tls else None),
            connect_timeout)
    except TimeoutError:
        return CheckResult("L6TOUT" if tls else "L4TOUT", _elapsed(start))
    except ssl.SSLError as error:
        return CheckResult("L6RSP", _elapsed(start), info=error.reason)
    except OSError as error:
        # (asyncio's own message names the address: haproxy gives strerror alone)
        info = os.strerror(error.errno) if error.errno else str(error)
        return CheckResult("L4CON", _elapsed(start), info=info)
    try:
        if check.kind == "tcp":
            return CheckResult("L6OK" if tls else "L4OK", _elapsed(start))
        if check.kind == "tcp-check":
            return await _tcp_check(reader, writer, check.tcp_rules, read_timeout, start)
        writer.write(_request(check))
        try:
            data = await asyncio.wait_for(_read_all(reader), read_timeout)
        except TimeoutError:
            return CheckResult("L7TOUT", _elapsed(start))
        except OSError as error:
            return CheckResult("L7RSP", _elapsed(start), info=error.strerror)
        return _judge(data, check.expects, _elapsed(start))
    finally:
        writer.close()


async def _read_all(reader: asyncio.StreamReader) -> bytes:
    """The answer up to the server's close (we asked for one) or MAX_RESPONSE bytes."""
    data = b""
    while len(data) < MAX_RESPONSE:
        piece = await reader.read(MAX_RESPONSE - len(data))
        if not piece:
            break
        data += piece
    return data


async def _tcp_check(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     rules: tuple[TcpCheckRule, ...], timeout: float,
                     start: float) -> CheckResult:
    """`tcp-check send|send-binary|expect [!] string|rstring|binary` in order; an expect
    reads until its pattern shows up, the server closes, or the check times out."""
    received = b""
    for rule in rules:
        if rule.action == "send":
            writer.write(" ".join(rule.args).encode("latin-1"))
        elif rule.action == "send-binary":
            writer.write(bytes.fromhex("".join(rule.args)))
        elif rule.action == "expect":
            negated, kind, pattern = rule.args[0] == "!", rule.args[1], rule.args[2]
            try:
                received = await asyncio.wait_for(
                    _until(reader, received, kind, pattern), timeout)
            except TimeoutError:
                return CheckResult("L7TOUT", _elapsed(start))
            if _found(received, kind, pattern) == negated:
                return CheckResult("L7RSP", _elapsed(start), info="TCPCHK did not match content")
    return CheckResult("L7OK" if any(r.action == "expect" for r in rules) else "L4OK",
                       _elapsed(start))


async def _until(reader: asyncio.StreamReader, received: bytes, kind: str, pattern: str) -> bytes:
    while not _found(received, kind, pattern) and len(received) < MAX_RESPONSE:
        piece = await reader.read(MAX_RESPONSE)
        if not piece:
            break
        received += piece
    return received


def _found(data: bytes, kind: str, pattern: str) -> bool:
    if kind == "binary":
        return bytes.fromhex(pattern) in data
    text = data.decode("latin-1")
    return pattern in text if kind == "string" else re.search(pattern, text) is not None


def _request(check: HealthCheck) -> bytes:
    send = check.send
    lines = [f"{send.method} {send.uri} {send.version}"]
    names = {name.lower() for name, _ in send.headers}
    lines += [f"{name}: {value}" for name, value in send.headers]
    if send.body and "content-length" not in names:
        lines.append(f"content-length: {len(send.body.encode())}")
    if "connection" not in names:
        lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n" + send.body).encode("latin-1")


_STATUS_LINE = re.compile(rb"HTTP/\d\.\d (\d{3}) ?([^\r\n]*)")


def _judge(data: bytes, expects: tuple[HttpCheckExpect, ...], duration: int) -> CheckResult:
    match = _STATUS_LINE.match(data)
    if match is None:
        return CheckResult("L7RSP", duration)
    code, reason = int(match.group(1)), match.group(2).decode("latin-1")
    body = data.split(b"\r\n\r\n", 1)[1].decode("latin-1") if b"\r\n\r\n" in data else ""
    if not expects:
        if 200 <= code < 400:
            return CheckResult("L7OK", duration, code)  # HAProxy gives no info on success
        return CheckResult("L7STS", duration, code, reason)
    for expect in expects:
        if _matches(expect, code, body) == expect.negated:
            return CheckResult("L7STS" if "status" in expect.kind else "L7RSP", duration, code,
                               reason)
    return CheckResult("L7OK", duration, code)


def _matches(expect: HttpCheckExpect, code: int, body: str) -> bool:
    if expect.kind == "status":
        return any(_in_range(code, part) for part in expect.pattern.split(",") if part)
    if expect.kind == "rstatus":
        return re.search(expect.pattern, str(code)) is not None
    if expect.kind == "string":
        return expect.pattern in body
    return re.search(expect.pattern, body) is not None


def _in_range(code: int, part: str) -> bool:
    low, dash, high = part.partition("-")
    return int(low or 0) <= code <= int(high if dash else low)
