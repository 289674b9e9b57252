"""`hacore run` as a node of the course's pair: the supervisor starts the VRRP process, a
track script's weight lifts the priority, SIGHUP with the same file leaves the instance
untouched, and when the supervisor is killed its VRRP child still hands over gracefully
(PR_SET_PDEATHSIG, priority 0), as keepalived's child does.
"""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from hacore.lab.netns import LanBuilder
from tests.netns.daemons import CONFIG, SLACK, Daemons, has_vip, wait_for

pytestmark = [pytest.mark.netns, pytest.mark.interop("keepalived")]

TRACKED = """\
vrrp_script check_dataplane {{
    script "/bin/true"
    interval 1
    weight 2
}}
""" + CONFIG.replace("    virtual_ipaddress {{", "    track_script {{\n        check_dataplane\n"
                     "    }}\n    virtual_ipaddress {{")
SKEW_102 = 0.6015625  # keepalived backup at priority 102


def test_supervised_vrrp_tracking_reload_and_parent_death(lan: LanBuilder,
                                                         daemons: Daemons) -> None:
    lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
    conf = daemons.tmp / "lb1.conf"
    conf.write_text(TRACKED.format(name="lb1", state="MASTER", priority=101, extra=""))
    hacore = daemons.spawn(lb1.exec_args(sys.executable, "-m", "hacore", "run", "-f",
                                          str(conf)), daemons.tmp / "hc-lb1.log")
    wait_for(lambda: has_vip(lb1), 8, "hacore takes the VIP")
    daemons.wait_log("hc-lb1", "(VI_1) Changing effective priority from 101 to 103", 5)
    daemons.keepalived(lb2, 102, "BACKUP")
    daemons.wait_log("ka-lb2", "Entering BACKUP STATE", 5)
    started = time.monotonic()
    while time.monotonic() - started < 4.2:  # 102 would preempt a 101: 103 holds
        assert not has_vip(lb2), daemons.log("ka-lb2")
        time.sleep(0.05)
    hacore.send_signal(signal.SIGHUP)
    daemons.wait_log("hc-lb1", "reloaded: 1 instance(s) untouched, 0 stopped, 0 started", 5)
    assert has_vip(lb1) and not has_vip(lb2)
    killed = time.monotonic()
    os.kill(hacore.pid, signal.SIGKILL)  # the supervisor only; its VRRP child gets SIGTERM
    took = wait_for(lambda: has_vip(lb2), 3, "keepalived takes over") - killed
    assert took <= SKEW_102 + SLACK
    wait_for(lambda: not has_vip(lb1), 3, "the VRRP child removes its VIP")
    assert "VRRP stopped" in daemons.log("hc-lb1")
