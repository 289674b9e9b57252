"""Namespace fixtures: a LAN that is always removed, and processes that are always ended."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hacore.lab.netns import LanBuilder
from tests.netns.daemons import Daemons


@pytest.fixture
def lan() -> Iterator[LanBuilder]:
    builder = LanBuilder()
    try:
        builder.open()
        yield builder
    finally:
        builder.close()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; each is ended by its PID afterwards, whatever happened."""
    started: list[subprocess.Popen[str]] = []
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            for stream in (process.stdin, process.stdout, process.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[Daemons]:
    """keepalived and hacore daemons of one test; every process group is killed afterwards."""
    group = Daemons(tmp_path)
    try:
        yield group
    finally:
        group.stop_all()
