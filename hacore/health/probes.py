"""The checks themselves (I/O): a TCP connect, or an HTTP request whose answer is judged by
`http-check expect` (default: any 2xx or 3xx, configuration.txt "option httpchk").
Each probe is bounded by its timeout and never blocks the loop."""

from __future__ import annotations

import asyncio
import re
import time

from hacore.config.haproxy_model import HealthCheck, HttpCheckExpect
from hacore.health.result import CheckResult

MAX_RESPONSE = 16384  # bytes of a check response read at most (tune.bufsize)


def _elapsed(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


async def probe(host: str, port: int, check: HealthCheck, connect_timeout: float,
                read_timeout: float) -> CheckResult:
    start = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port),
                                                connect_timeout)
    except TimeoutError:
        return CheckResult("L4TOUT", _elapsed(start))
    except OSError as error:
        return CheckResult("L4CON", _elapsed(start), info=(error.strerror or str(error)))
    try:
        if check.kind != "http":
            return CheckResult("L4OK", _elapsed(start))
        writer.write(_request(check))
        try:
            data = await asyncio.wait_for(reader.read(MAX_RESPONSE), read_timeout)
        except TimeoutError:
            return CheckResult("L7TOUT", _elapsed(start))
        except OSError as error:
            return CheckResult("L7RSP", _elapsed(start), info=error.strerror)
        return _judge(data, check.expects, _elapsed(start))
    finally:
        writer.close()


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
        ok = 200 <= code < 400
        return CheckResult("L7OK" if ok else "L7STS", duration, code, reason)
    for expect in expects:
        if _matches(expect, code, body) == expect.negated:
            return CheckResult("L7STS" if "status" in expect.kind else "L7RSP", duration, code,
                               reason)
    return CheckResult("L7OK", duration, code, reason)


def _matches(expect: HttpCheckExpect, code: int, body: str) -> bool:
    if expect.kind == "status":
        return any(_in_range(code, part) for part in expect.pattern.split(","))
    if expect.kind == "rstatus":
        return re.search(expect.pattern, str(code)) is not None
    if expect.kind == "string":
        return expect.pattern in body
    return re.search(expect.pattern, body) is not None


def _in_range(code: int, part: str) -> bool:
    low, _, high = part.partition("-")
    return int(low) <= code <= int(high or low)
