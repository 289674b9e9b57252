"""VRRPv3 over IPv6 against keepalived 2.2.7: hacore master for 2001:db8::100, keepalived
backup; hacore stops gracefully, keepalived takes the address after Skew_Time; then hacore,
returning with the higher priority, takes it back. keepalived logs no error for our adverts."""

from __future__ import annotations

import os
import signal
import time

import pytest

from hacore.lab.netns import LanBuilder, Node, run
from tests.netns.daemons import MASTER_DOWN, SKEW, SLACK, Daemons, has_address, wait_for

pytestmark = [pytest.mark.netns, pytest.mark.interop("keepalived")]

VIP6 = "2001:db8::100"
CONFIG6 = """\
vrrp_instance VI_6 {{
    state {state}
    interface eth0
    virtual_router_id 61
    priority {priority}
    advert_int 1
    virtual_ipaddress {{
        2001:db8::100/64
    }}
{extra}}}
"""


def enable_ipv6(node: Node) -> None:
    """The LAN builder turns IPv6 off; these nodes get it back, without DAD so that the
    link-local address is usable at once."""
    for setting in ("net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0",
                    "net.ipv6.conf.eth0.accept_dad=0", "net.ipv6.conf.eth0.disable_ipv6=0"):
        run("ip", "netns", "exec", node.namespace, "sysctl", "-q", "-w", setting)


def has_vip6(node: Node) -> bool:
    return has_address(node, VIP6)


def test_ipv6_handover_with_keepalived(lan: LanBuilder, daemons: Daemons) -> None:
    lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
    for node in (lb1, lb2):
        enable_ipv6(node)
    hacore = daemons.hacore(lb1, 101, "MASTER", template=CONFIG6)
    wait_for(lambda: has_vip6(lb1), 8, "hacore takes the IPv6 VIP")
    daemons.keepalived(lb2, 100, "BACKUP", template=CONFIG6)
    daemons.wait_log("ka-lb2", "(VI_6) Entering BACKUP STATE", 5)
    started = time.monotonic()
    while time.monotonic() - started < 2.5:  # a master heard: keepalived stays backup
        assert not has_vip6(lb2), daemons.log("ka-lb2")
        time.sleep(0.05)
    stopped = time.monotonic()
    os.killpg(hacore.pid, signal.SIGTERM)
    took = wait_for(lambda: has_vip6(lb2), 3, "keepalived takes over") - stopped
    assert took <= SKEW + SLACK
    wait_for(lambda: not has_vip6(lb1), 3, "hacore removed its VIP")
    daemons.hacore(lb1, 101, "BACKUP", template=CONFIG6)
    wait_for(lambda: has_vip6(lb1), MASTER_DOWN + 2, "hacore preempts back")
    wait_for(lambda: not has_vip6(lb2), 3, "keepalived yields")
    log = daemons.log("ka-lb2")
    for error in ("invalid", "checksum", "discard", "error"):
        assert error not in log.lower(), log
