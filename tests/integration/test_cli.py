"""`hacore check|run|version` as a user runs them: real processes, exit codes, output."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import COURSE
from tests.unit.config.cases import HAPROXY_BASE

HACORE = [sys.executable, "-m", "hacore"]
BOUND = 10.0  # seconds any single wait may take before the test fails


def hacore(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HACORE, *args], capture_output=True, text=True, timeout=60,
                          check=False)


def test_version() -> None:
    result = hacore("version")
    assert (result.returncode, result.stdout) == (0, "hacore 0.1.0\n")


def test_check_course_files() -> None:
    result = hacore("check", "-f", str(COURSE / "haproxy.cfg"), "-f",
                    str(COURSE / "keepalived-lb1.conf"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Warnings were found.\nConfiguration file is valid\n"
    assert all(line.startswith("[WARNING] parsing [") for line in result.stderr.splitlines())
    assert "keepalived-lb1.conf:22] : Truncating auth_pass to 8 characters" in result.stderr


def test_check_typo_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(HAPROXY_BASE.replace("    server s1", "    balanec roundrobin\n    server s1"))
    result = hacore("check", "-f", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"[ALERT] parsing [{path}:12] : unknown keyword 'balanec' in 'backend' section; "
        "did you mean 'balance' maybe ?",
        "[ALERT] Fatal errors found in configuration.",
    ]


def test_check_directory_in_lexical_order(tmp_path: Path) -> None:
    (tmp_path / "10-haproxy.cfg").write_text(HAPROXY_BASE)
    (tmp_path / "20-keepalived.conf").write_text((COURSE / "keepalived-lb2.conf").read_text())
    (tmp_path / "README").write_text("not a config\n")
    (tmp_path / ".30-old.cfg").write_text("garbage\n")  # hidden: skipped, as haproxy does
    result = hacore("check", "-f", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"[WARNING] parsing [{tmp_path}/20-keepalived.conf:22] : Truncating auth_pass to 8 "
        "characters: 'secret12' goes on the wire, as keepalived sends it"]


def test_check_without_a_listener_exits_2_as_haproxy(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text("defaults\n    mode tcp\n    timeout connect 5s\n    timeout server 5s\n"
                    "backend be\n    server s1 127.0.0.1:18081\n")
    result = hacore("check", "-f", str(path))
    assert (result.returncode, result.stdout) == (
        2, "Configuration file has no error but will not start (no listener) => exit(2).\n")


def test_tcp_proxies_warn_that_http_rules_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(HAPROXY_BASE.replace("mode http", "mode tcp").replace(
        "    default_backend be", "    http-request deny\n    redirect location /x\n"
        "    default_backend be"))
    result = hacore("check", "-f", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "[WARNING] 'http-request' rules ignored for frontend 'fe' as they require HTTP mode.",
        "[WARNING] 'redirect' rules ignored for frontend 'fe' as they require HTTP mode."]


def test_check_missing_file() -> None:
    result = hacore("check", "-f", "/nonexistent/haproxy.cfg")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "[ALERT] Cannot open configuration file/directory /nonexistent/haproxy.cfg : "
        "No such file or directory")


async def _line_with(stream: asyncio.StreamReader, needle: str) -> str:
    """The first stderr line containing `needle`; fails after BOUND seconds."""
    async def scan() -> str:
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"hacore exited before printing {needle!r}")
            if needle in line:
                return line

    return await asyncio.wait_for(scan(), BOUND)


async def _datagram(sock: socket.socket) -> bytes:
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.sock_recv(sock, 4096), BOUND)


@pytest.mark.asyncio
async def test_run_reloads_on_hup_and_stops_on_term(tmp_path: Path, unused_tcp_port: int) -> None:
    base = HAPROXY_BASE.replace("127.0.0.1:18080", f"127.0.0.1:{unused_tcp_port}")
    config = tmp_path / "haproxy.cfg"
    config.write_text(base)
    notify_path = tmp_path / "notify.sock"
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(notify_path))
    notify.setblocking(False)
    process = await asyncio.create_subprocess_exec(
        *HACORE, "run", "-f", str(config), stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "NOTIFY_SOCKET": str(notify_path)})
    assert process.stderr is not None
    try:
        await _line_with(process.stderr, "hacore started: 1 frontend(s), 1 backend(s)")
        assert await _datagram(notify) == b"READY=1"
        config.write_text(base.replace("maxconn 100", "maxcon 100"))
        process.send_signal(signal.SIGHUP)
        assert await _datagram(notify) == b"RELOADING=1"
        await _line_with(process.stderr, "unknown keyword 'maxcon'")
        await _line_with(process.stderr, "reload refused")
        assert await _datagram(notify) == b"READY=1"
        config.write_text(base + "backend be2\n    server s2 127.0.0.1:18082\n")
        process.send_signal(signal.SIGHUP)
        await _line_with(process.stderr, "reloaded: 1 frontend(s), 2 backend(s)")
        process.send_signal(signal.SIGTERM)
        await _line_with(process.stderr, "hacore stopped")
        assert await asyncio.wait_for(process.wait(), BOUND) == 0
        assert [await _datagram(notify) for _ in range(3)] == [b"RELOADING=1", b"READY=1",
                                                               b"STOPPING=1"]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        notify.close()
