"""Error responses of a proxy: HAProxy's built-in pages, each replaced by the proxy's
`errorfile <code> <file>` when it has one. The files are read once at start and sent
verbatim (configuration.txt "errorfile": "the file ... is returned as is, without any
processing"); a missing file stops the start with its file:line."""

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
