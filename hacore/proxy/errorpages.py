"""Error responses of a proxy: HAProxy's built-in pages, each replaced by the proxy's
`errorfile <code> <file>` when it has one, for the answers of its stream (503, 504, 502,
deny...; re-framed on the way out, hacore.http.errorfile). The files are read once at
start; a missing file stops the start with its file:line. What the H1 layer answers itself
(a request refused while parsed, `timeout http-request`) is always the built-in page, unless
the errorfile for its status is empty: then nothing (mux_h1.c h1_send_error())."""

from __future__ import annotations

from pathlib import Path

from hacore.config.haproxy_model import ErrorFile
from hacore.http.errors import ERRORS


def load_pages(errorfiles: tuple[ErrorFile, ...]) -> dict[int, bytes]:
    pages = dict(ERRORS)
    for errorfile in errorfiles:
        try:
            pages[errorfile.code] = Path(errorfile.path).read_bytes()
        except OSError as error:
            raise OSError(error.errno, f"errorfile {errorfile.code} '{errorfile.path}' "
                                       f"({errorfile.location}): {error.strerror}") from None
    return pages


def parser_pages(pages: dict[int, bytes]) -> dict[int, bytes]:
    """The pages the H1 layer answers with, given the proxy's `pages`."""
    return {code: b"" if pages.get(code) == b"" else page for code, page in ERRORS.items()}
