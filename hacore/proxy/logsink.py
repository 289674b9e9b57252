"""Where a proxy's log messages go (configuration.txt §4.2 "log"), framed as haproxy 2.6's
log.c writes them: `log global` stands for the global section's targets; a path
(`/dev/log`) is a local syslog socket, `host[:port]` a UDP syslog server, `stdout` and
`stderr` the process's streams. Each target filters by level (a message less severe than
its level is not sent, a more severe one than its minimum level is sent as that level),
keeps one message in `sample`, and cuts the framed message at `len` bytes before the line
feed that ends it. Sending never blocks: a full socket or pipe drops the message."""

from __future__ import annotations

import datetime
import os
import socket
import time
from dataclasses import dataclass

from hacore.config.haproxy_model import Global, LogTarget

LOG_EMERG, LOG_ALERT, LOG_WARNING, LOG_NOTICE, LOG_INFO = 0, 1, 4, 5, 6
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True, slots=True)
class Origin:
    """What the headers name: the tag (`log-tag`), the process, the host if sent."""

    tag: str
    pid: int
    hostname: str | None


def frame(target: LogTarget, level: int, line: str, origin: Origin, now: float) -> bytes:
    """The bytes of one message in the target's `format` (log.c, measured on 2.6.12):
    rfc3164 `<134>Dec  2 21:38:04 [host ]haproxy[pid]: ` (`local` never names the host),
    rfc5424 `<134>1 <iso> host|- haproxy pid - - `, priority `<134>`, short `<6>`,
    timed `<6><iso> `, iso `<iso> `, raw nothing."""
    level = max(level, target.minlevel)
    priority = target.facility * 8 + level
    fmt = target.format
    if fmt in ("rfc3164", "local"):
        t = time.localtime(now)
        host = f"{origin.hostname} " if origin.hostname and fmt == "rfc3164" else ""
        header = (f"<{priority}>{MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} "
                  f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} "
                  f"{host}{origin.tag}[{origin.pid}]: ")
    elif fmt == "rfc5424":
        header = (f"<{priority}>1 {_iso(now)} {origin.hostname or '-'} {origin.tag} "
                  f"{origin.pid} - - ")
    elif fmt == "priority":
        header = f"<{priority}>"
    elif fmt == "short":
        header = f"<{level}>"
    elif fmt == "timed":
        header = f"<{level}>{_iso(now)} "
    elif fmt == "iso":
        header = f"{_iso(now)} "
    else:
        header = ""
    return (header + line).encode()[:target.maxlen] + b"\n"


def _iso(now: float) -> str:
    return datetime.datetime.fromtimestamp(now).astimezone().isoformat(
        timespec="microseconds")


class _Sink:
    __slots__ = ("address", "config", "fd", "sent", "sock")

    def __init__(self, config: LogTarget) -> None:
        self.config = config
        self.sent = 0  # messages offered so far, for `sample`
        self.sock: socket.socket | None = None
        self.address: tuple[str, int] | str = ""
        self.fd = {"stdout": 1, "stderr": 2}.get(config.target, -1)

    def wants(self, level: int) -> bool:
        if level > self.config.level:
            return False
        sample = self.config.sample
        if sample is None:
            return True
        position = self.sent % sample.size + 1
        self.sent += 1
        return any(low <= position <= high for low, high in sample.ranges)

    def send(self, message: bytes) -> None:
        try:
            if self.fd >= 0:
                os.write(self.fd, message)
                return
            if self.sock is None:
                self._open()
            assert self.sock is not None
            self.sock.sendto(message, self.address)
        except OSError:
            pass  # no syslog listening, or its queue is full: the message is dropped

    def _open(self) -> None:
        target = self.config.target
        if target.startswith("/"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.address = target
        else:
            host, _, port = target.rpartition(":")
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.address = (host or target, int(port) if port.isdigit() else 514)
        self.sock.setblocking(False)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class LogSinks:
    """A proxy's log targets (`log global` expanded), and the tag its messages carry."""

    __slots__ = ("origin", "sinks")

    def __init__(self, logs: tuple[LogTarget, ...], global_: Global,
                 tag: str | None = None) -> None:
        targets: list[LogTarget] = []
        for target in logs:
            targets.extend(global_.logs if target.target == "global" else [target])
        self.sinks = [_Sink(t) for t in targets]
        self.origin = Origin(tag or global_.log_tag, os.getpid(), global_.log_send_hostname)

    def __bool__(self) -> bool:
        return bool(self.sinks)

    def emit(self, line: str, level: int = LOG_INFO) -> None:
        now = time.time()
        for sink in self.sinks:
            if sink.wants(level):
                sink.send(frame(sink.config, level, line, self.origin, now))

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()
