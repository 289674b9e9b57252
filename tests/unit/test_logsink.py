"""Log messages framed as haproxy 2.6.12 sends them (the bytes measured from it), levels
and `sample` as filters, with a scripted clock and no socket (stdout targets)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from hacore.config.errors import Location
from hacore.config.haproxy_log import log_target, parse_sample
from hacore.config.haproxy_model import Global
from hacore.proxy.logsink import LOG_ALERT, LOG_INFO, LogSinks, Origin, frame

NOW = 1796247464.021031  # 2026-12-02 21:37:44.021031 UTC
ORIGIN = Origin("haproxy", 16538, None)
LINE = 'fe be/s1 "GET /x HTTP/1.1"'
HERE = Location("h.cfg", 7)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def framed(options: str, level: int = LOG_INFO, origin: Origin = ORIGIN) -> bytes:
    return frame(log_target(HERE, ["127.0.0.1", *options.split()]), level, LINE, origin, NOW)


@pytest.mark.parametrize(("options", "expected"), [
    ("local0", b'<134>Dec  2 21:37:44 haproxy[16538]: ' + LINE.encode() + b"\n"),
    ("local7 debug debug", b'<191>Dec  2 21:37:44 haproxy[16538]: ' + LINE.encode() + b"\n"),
    ("format local local0", b'<134>Dec  2 21:37:44 haproxy[16538]: ' + LINE.encode() + b"\n"),
    ("format rfc5424 local0",
     b'<134>1 2026-12-02T21:37:44.021031+00:00 - haproxy 16538 - - ' + LINE.encode() + b"\n"),
    ("format priority local1", b"<142>" + LINE.encode() + b"\n"),
    ("format short local1", b"<6>" + LINE.encode() + b"\n"),
    ("format timed local0", b"<6>2026-12-02T21:37:44.021031+00:00 " + LINE.encode() + b"\n"),
    ("format iso local0", b"2026-12-02T21:37:44.021031+00:00 " + LINE.encode() + b"\n"),
    ("format raw local0", LINE.encode() + b"\n"),
    ("len 80 format rfc5424 local0",
     b"<134>1 2026-12-02T21:37:44.021031+00:00 - haproxy 16538 - - fe be/s1 \"GET /x HTT\n"),
])
def test_each_format_frames_as_haproxy(options: str, expected: bytes) -> None:
    assert framed(options) == expected


def test_the_host_name_is_sent_when_asked_but_not_in_local_format() -> None:
    origin = Origin("web", 7, "vm")
    assert framed("local0", origin=origin).startswith(b"<134>Dec  2 21:37:44 vm web[7]: ")
    assert framed("format local local0", origin=origin).startswith(b"<134>Dec  2 21:37:44 web[7]:")
    assert framed("format rfc5424 local0", origin=origin).startswith(
        b"<134>1 2026-12-02T21:37:44.021031+00:00 vm web 7 - - ")


def test_a_minimum_level_raises_only_more_severe_messages() -> None:
    assert framed("local0 debug notice", LOG_ALERT).startswith(b"<133>")
    assert framed("local0 debug notice", LOG_INFO).startswith(b"<134>")


def stdout_sinks(options: str) -> LogSinks:
    return LogSinks((log_target(HERE, ["stdout", *options.split()]),), Global())


def test_a_level_is_a_maximum(capfd: pytest.CaptureFixture[str]) -> None:
    sinks = stdout_sinks("format raw local0 notice")
    sinks.emit("access", LOG_INFO)
    sinks.emit("server down", LOG_ALERT)
    assert capfd.readouterr().out == "server down\n"


def test_sample_keeps_the_positions_in_its_ranges(capfd: pytest.CaptureFixture[str]) -> None:
    sinks = stdout_sinks("format raw sample 2-3:4 local0")
    for number in range(1, 11):
        sinks.emit(str(number))
    assert capfd.readouterr().out.split() == ["2", "3", "6", "7", "10"]


def test_a_filtered_level_does_not_count_for_sample(capfd: pytest.CaptureFixture[str]) -> None:
    sinks = stdout_sinks("format raw sample 1:2 local0 info")
    for number in range(1, 5):
        sinks.emit(f"debug{number}", 7)
        sinks.emit(str(number))
    assert capfd.readouterr().out.split() == ["1", "3"]


def test_sample_ranges_parse() -> None:
    sample = parse_sample("1,4:5")
    assert (sample.ranges, sample.size) == (((1, 1), (4, 4)), 5)
