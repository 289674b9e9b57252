"""Errorfiles as haproxy 2.6 serves them, pure code. It parses each file at load as an HTTP
response (http_htx.c http_str_to_htx(), refusing one it cannot frame) and its client-side
H1 output writes it as any response (mux_h1.c h1_process_mux()): header names lower-cased,
the file's own `Connection` header read (`close` closes the connection) and replaced by
haproxy's value, the connection closed after a body that neither Content-Length nor chunked
delimits. An empty file is a silent close: nothing is sent (mux_h1.c h1_send_error()
"Empty error, so claim a success"). Measured on haproxy 2.6.12 with Debian's
/etc/haproxy/errors files and variants.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from hacore.http.h1_request import (
    HeadError,
    content_length,
    find_head_end,
    head_lines,
    header_fields,
)
from hacore.http.message import header_tokens

STATUS_LINE = re.compile(rb"HTTP/([0-9])\.([0-9])[ \t]+([0-9]{3})(?:[ \t]+(.*))?")


@dataclass(frozen=True, slots=True)
class ErrorFileReply:
    version: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    framed: bool  # Content-Length or chunked: the connection may stay after it
    close: bool  # the file says `Connection: close`


class ErrorFileError(ValueError):
    """What haproxy says of a file it cannot use as an errorfile."""


@functools.lru_cache(maxsize=256)
def parse_errorfile(data: bytes) -> ErrorFileReply | None:
    """The reply in `data`, None for an empty file (a silent close)."""
    if not data:
        return None
    end = find_head_end(data)
    try:
        lines = head_lines(data[:end]) if end > 0 else []
        headers = header_fields(lines[1:])
    except HeadError:
        lines = []
    status = STATUS_LINE.fullmatch(lines[0][0]) if lines else None
    if status is None:
        raise ErrorFileError("unable to parse headers")
    body = data[end:]
    lengths = [value for name, value in headers if name == "content-length"]
    length = content_length(lengths[0]) if lengths else None
    if length is not None and length != len(body):
        raise ErrorFileError("payload size does not match the announced content-length "
                             f"({len(body)} != {length})")
    chunked = "chunked" in header_tokens(headers, "transfer-encoding")
    version = "1.0" if status.group(1, 2) == (b"1", b"0") else "1.1"
    return ErrorFileReply(version, int(status.group(3)),
                          (status.group(4) or b"").decode("latin-1"), tuple(headers), body,
                          framed=length is not None or chunked,
                          close="close" in header_tokens(headers, "connection"))
