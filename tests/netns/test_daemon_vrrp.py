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

from hacore.lab.netns import LanBuilder, run
from tests.netns.daemons import (
    CONFIG,
    MASTER_DOWN,
    SKEW,
    SLACK,
    Daemons,
    has_address,
    has_vip,
    wait_for,
)

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


def test_tracked_interface_down_is_fault_and_up_is_backup_again(lan: LanBuilder,
                                                                daemons: Daemons) -> None:
    """keepalived 2.2.7's track_interface: the link losing its carrier sends the master to FAULT
    (priority-0 adverts, the VIP goes, the backup takes over after Skew_Time); the link
    coming back is BACKUP first, then the higher priority preempts."""
    lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
    run("ip", "-n", lb1.namespace, "link", "add", "eth1", "type", "veth", "peer", "name", "peer1")
    run("ip", "-n", lb1.namespace, "link", "set", "eth1", "up")
    run("ip", "-n", lb1.namespace, "link", "set", "peer1", "up")
    daemons.hacore(lb1, 101, "MASTER", extra="    track_interface {\n        eth1\n    }\n")
    wait_for(lambda: has_vip(lb1), 8, "hacore takes the VIP")
    daemons.keepalived(lb2, 100, "BACKUP")
    daemons.wait_log("ka-lb2", "Entering BACKUP STATE", 5)
    down = time.monotonic()
    run("ip", "-n", lb1.namespace, "link", "set", "peer1", "down")  # eth1 loses its carrier
    took = wait_for(lambda: has_vip(lb2), 3, "keepalived takes over") - down
    assert took <= SKEW + SLACK
    assert not has_vip(lb1)
    daemons.wait_log("hc-lb1", "Netlink reports eth1 down", 1)
    run("ip", "-n", lb1.namespace, "link", "set", "peer1", "up")
    wait_for(lambda: has_vip(lb1), MASTER_DOWN + 2, "hacore preempts back")
    log = daemons.log("hc-lb1")
    lines = [line.split("] ", 1)[1] for line in log.splitlines()
             if "Netlink" in line or "Entering" in line]
    assert lines == ["(VI_1) Entering BACKUP STATE (init)", "(VI_1) Entering MASTER STATE",
                     "Netlink reports eth1 down", "(VI_1) Entering FAULT STATE",
                     "Netlink reports eth1 up", "(VI_1) Entering BACKUP STATE",
                     "(VI_1) Entering MASTER STATE"]


SYNC_GROUP = """\
vrrp_sync_group G1 {{
    group {{
        VI_1
        VI_2
    }}
}}
vrrp_instance VI_1 {{
    state {state}
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 1
    virtual_ipaddress {{
        198.18.0.100/24
    }}
{extra}}}
vrrp_instance VI_2 {{
    state {state}
    interface eth0
    virtual_router_id 52
    priority {priority}
    advert_int 1
    virtual_ipaddress {{
        198.18.0.101/24
    }}
}}
"""


def test_sync_group_fails_over_as_a_whole(lan: LanBuilder, daemons: Daemons) -> None:
    """keepalived's vrrp_sync_group: the tracked link of one member fails, both members go
    FAULT and keepalived takes both VIPs; the link back, both come back together."""
    lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
    run("ip", "-n", lb1.namespace, "link", "add", "eth1", "type", "veth", "peer", "name", "peer1")
    run("ip", "-n", lb1.namespace, "link", "set", "eth1", "up")
    run("ip", "-n", lb1.namespace, "link", "set", "peer1", "up")
    daemons.hacore(lb1, 101, "MASTER", extra="    track_interface {\n        eth1\n    }\n",
                   template=SYNC_GROUP)
    wait_for(lambda: has_address(lb1, "198.18.0.100") and has_address(lb1, "198.18.0.101"),
             12, "hacore takes both VIPs")
    daemons.keepalived(lb2, 100, "BACKUP", template=SYNC_GROUP)
    daemons.wait_log("ka-lb2", "(VI_2) Entering BACKUP STATE", 5)
    run("ip", "-n", lb1.namespace, "link", "set", "peer1", "down")
    wait_for(lambda: has_address(lb2, "198.18.0.100") and has_address(lb2, "198.18.0.101"),
             3, "keepalived takes both VIPs")
    assert not has_address(lb1, "198.18.0.101")
    run("ip", "-n", lb1.namespace, "link", "set", "peer1", "up")
    wait_for(lambda: has_address(lb1, "198.18.0.100") and has_address(lb1, "198.18.0.101"),
             MASTER_DOWN + 3, "hacore preempts both back")
    lines = [line.split("] ", 1)[1] for line in daemons.log("hc-lb1").splitlines()
             if "Netlink" in line or "Entering" in line or "Syncing" in line]
    assert lines[lines.index("Netlink reports eth1 down"):] == [
        "Netlink reports eth1 down", "(VI_1) Entering FAULT STATE",
        "VRRP_Group(G1) Syncing instances to FAULT state", "(VI_2) Entering FAULT STATE",
        "Netlink reports eth1 up", "(VI_1) Entering BACKUP STATE",
        "VRRP_Group(G1) Syncing instances to BACKUP state", "(VI_2) Entering BACKUP STATE",
        lines[-3], "VRRP_Group(G1) Syncing instances to MASTER state", lines[-1]]
    assert sorted(lines[-3:][::2]) == ["(VI_1) Entering MASTER STATE",
                                       "(VI_2) Entering MASTER STATE"]
