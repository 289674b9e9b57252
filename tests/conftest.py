"""Suite-wide rules: tier markers skip with a stated reason where the machine lacks what they
need (root and `ip netns` for `netns`, the reference daemons for `interop`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
COURSE = SHARED / "course"


@cache
def netns_unavailable() -> str | None:
    """Why namespace tests cannot run here, or None: checked once by making a namespace."""
    if os.geteuid() != 0:
        return "netns tests need root"
    if shutil.which("ip") is None:
        return "netns tests need the ip command (iproute2)"
    name = f"hacore-probe-{uuid.uuid4().hex[:8]}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return f"netns tests need ip netns: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("netns") is not None:
            reason = netns_unavailable()
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))
        interop = item.get_closest_marker("interop")
        if interop is not None:
            for binary in interop.args:
                if shutil.which(binary) is None:
                    item.add_marker(pytest.mark.skip(reason=f"needs the {binary} binary"))
