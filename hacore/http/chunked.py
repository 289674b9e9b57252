"""Chunked request bodies decoded as HAProxy 2.6 reads them (src/h1.c h1_parse_chunk_size(),
h1_measure_trailers()), pure code: sizes of 1 to 13 hex digits worth less than 2^52, blanks
and extensions after the size ignored, CRLF or bare LF line ends, trailer lines
that need a name and a colon and nothing else (obs-fold unfolded). What one feed decodes
leaves as one piece, so the proxy re-frames the body in its own chunks as HAProxy does
(boundaries are not kept, extensions dropped).
"""

from __future__ import annotations

import enum

MAX_CHUNK = 1 << 52  # measured: 0xfffffffffffff is accepted, 0x10000000000000 refused
HEX = frozenset(b"0123456789abcdefABCDEF")


class ChunkError(Exception):
    pass


class _State(enum.Enum):
    SIZE = 1
    DATA = 2
    DATA_END = 3
    TRAILERS = 4
    DONE = 5


class ChunkedDecoder:
    __slots__ = ("_buffer", "_left", "_state", "rest", "trailers")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._state = _State.SIZE
        self._left = 0
        self.trailers: list[tuple[str, str]] = []
        self.rest = b""  # what followed the body (a pipelined request)

    @property
    def done(self) -> bool:
        return self._state is _State.DONE

    def feed(self, data: bytes) -> bytes:
        """The body bytes these bytes complete; raises ChunkError on a malformed body."""
        buffer = self._buffer
        buffer += data
        out = bytearray()
        while buffer and self._state is not _State.DONE:
            if self._state is _State.DATA:
                take = min(self._left, len(buffer))
                out += buffer[:take]
                del buffer[:take]
                self._left -= take
                if not self._left:
                    self._state = _State.DATA_END
                continue
            end = buffer.find(b"\n")
            if end < 0:
                if len(buffer) > 16384:
                    raise ChunkError("chunk line too long")
                break
            line = bytes(buffer[:end])
            del buffer[:end + 1]
            line = line[:-1] if line.endswith(b"\r") else line
            self._line(line)
        if self._state is _State.DONE:
            self.rest = bytes(buffer)
            buffer.clear()
        return bytes(out)

    def _line(self, line: bytes) -> None:
        if self._state is _State.SIZE:
            self._size(line)
        elif self._state is _State.DATA_END:
            if line:
                raise ChunkError("chunk data longer than its size")
            self._state = _State.SIZE
        elif not line:  # the empty line after the trailers
            self._state = _State.DONE
        elif line[:1] in (b" ", b"\t"):
            # obs-fold: haproxy 2.6 unfolds it, the CRLF becoming two spaces; a first
            # trailer line cannot be one (both measured)
            if not self.trailers:
                raise ChunkError("folded line without a trailer before it")
            name_text, value_text = self.trailers[-1]
            self.trailers[-1] = (name_text, value_text + "  "
                                 + line.rstrip(b" \t").decode("latin-1"))
        else:
            name, colon, value = line.partition(b":")
            if not colon or not name:
                raise ChunkError("trailer line without a name and a colon")
            self.trailers.append((name.decode("latin-1").lower(),
                                  value.strip(b" \t").decode("latin-1")))

    def _size(self, line: bytes) -> None:
        digits = 0
        while digits < len(line) and line[digits] in HEX:
            digits += 1
        if not digits or b"\r" in line:
            raise ChunkError("invalid chunk size")
        tail = line[digits:].lstrip(b" \t")
        if tail and not tail.startswith(b";"):
            raise ChunkError("invalid chunk size")
        size = int(line[:digits], 16)
        if size >= MAX_CHUNK:
            raise ChunkError("chunk size too large")
        self._left = size
        self._state = _State.DATA if size else _State.TRAILERS
