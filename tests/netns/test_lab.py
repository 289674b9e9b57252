"""`hacore lab` end to end, one run: the course's files on two hacore nodes, the master
killed, the backup (priority 102 with its track script) takes the VIP within the RFC window
and the client is served again through it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hacore.lab.files import haproxy_cfg, keepalived_conf
from hacore.lab.run import Lab, prepare

pytestmark = [pytest.mark.netns, pytest.mark.interop("openssl")]

MASTER_DOWN_102_MS = 3601.5625  # 3 x 1 s + (256 - 102) / 256 s
SLACK_MS = 150


def test_adapted_course_files_only_change_addresses_and_scripts(tmp_path: Path) -> None:
    pem = tmp_path / "site.pem"
    text = haproxy_cfg(pem)
    assert "server app1 198.18.0.21:8080 check" in text and str(pem) in text
    assert "192.168.1" not in text
    conf = keepalived_conf("lb1", tmp_path, tmp_path / "lb1.pid")
    assert "198.18.0.100/24" in conf and "killall" not in conf and "priority 101" in conf


def test_lab_failover(tmp_path: Path) -> None:
    prepare(tmp_path)
    lab = Lab(tmp_path)
    try:
        outcome = lab.once(offset=0.5)
    finally:
        lab.close()
    assert MASTER_DOWN_102_MS - 1000 - SLACK_MS <= outcome.took_vip_ms <= (
        MASTER_DOWN_102_MS + SLACK_MS)
    # The VIP is seen by polling `ip addr` (a few ms late); the client may be served first.
    assert outcome.took_vip_ms - 50 <= outcome.client_ms <= outcome.took_vip_ms + 500
