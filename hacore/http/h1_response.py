"""Response heads that llhttp refuses and haproxy 2.6 forwards normalised, pure code. haproxy
parses both directions with one function (h1.c h1_headers_to_hdr_list()): obs-fold is
unfolded with spaces, and equal Content-Length values, in one header (`2, 2`) or in several,
become one header (h1_parse_cont_len_header()), and a Transfer-Encoding ending with a comma
reads as the codings before it (`chunked,` is chunked). The server side hands llhttp the head
rebuilt here when llhttp refused the original; what haproxy refuses too (different lengths,
a bad name) stays refused, a 502.
"""

from __future__ import annotations

import re

from hacore.http.h1_request import (
    HeadError,
    content_length,
    find_head_end,
    head_lines,
    header_fields,
)

STATUS_LINE = re.compile(rb"HTTP/[0-9]\.[0-9][ \t]+([0-9]{3})(?:[ \t].*)?")


def normalise_response(data: bytes, forwarded_interim: int) -> bytes | None:
    """`data`, the bytes of a response from its start, without the first
    `forwarded_interim` heads (1xx responses already sent on) and with the next head
    rebuilt; None when there is no complete head or haproxy refuses it too."""
    start = 0
    for _ in range(forwarded_interim):  # an interim response is a head alone
        start = find_head_end(data, start)
        if start < 0:
            return None
    end = find_head_end(data, start)
    if end < 0:
        return None
    try:
        lines = head_lines(data[start:end])
        fields = header_fields(lines[1:])
    except HeadError:
        return None
    if not lines or STATUS_LINE.fullmatch(lines[0][0]) is None:
        return None
    lengths = {content_length(value) for name, value in fields if name == "content-length"}
    if None in lengths or len(lengths) > 1:
        return None
    head = [lines[0][0]]
    length_written = False
    for name, value in fields:
        # `chunked,` is chunked to haproxy, not to llhttp
        kept = value.rstrip(" \t,") if name == "transfer-encoding" else value
        if name != "content-length":
            head.append(f"{name}: {kept}".encode("latin-1"))
        elif not length_written:
            head.append(f"content-length: {lengths.pop()}".encode())
            length_written = True
    return b"\r\n".join(head) + b"\r\n\r\n" + data[end:]
