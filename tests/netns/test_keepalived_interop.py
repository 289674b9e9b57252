"""hacore's VRRP speaker and a real keepalived 2.2.7 on one LAN (namespaces), with the
course's VRRPv2 configuration (PASS `secret123`): each hears the other, the backup takes over
within the RFC bounds after a hard kill, after a graceful stop (Skew_Time after priority 0),
and the higher priority preempts back.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from scapy.utils import rdpcap

from hacore.lab.netns import LanBuilder, Node
from tests.netns.daemons import MASTER_DOWN, SKEW, SLACK, Daemons, has_vip, wait_for

pytestmark = [pytest.mark.netns, pytest.mark.interop("keepalived")]

def test_keepalived_master_hacore_backup(lan: LanBuilder, daemons: Daemons) -> None:
    lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
    keepalived = daemons.keepalived(lb1, 101, "MASTER")
    wait_for(lambda: has_vip(lb1), 8, "keepalived takes the VIP")
    daemons.hacore(lb2, 100, "BACKUP")
    daemons.wait_log("hc-lb2", "(VI_1) master 198.18.0.11 priority 101", 5)
    assert not has_vip(lb2)
    fault = time.monotonic()
    os.killpg(keepalived.pid, signal.SIGKILL)  # hard failure: nothing more is sent
    took = wait_for(lambda: has_vip(lb2), MASTER_DOWN + 2, "hacore takes the VIP") - fault
    # The backup's timer was last reset by the last advert, at most 1 s before the fault.
    assert MASTER_DOWN - 1 - SLACK <= took <= MASTER_DOWN + SLACK
    assert "(VI_1) Entering MASTER STATE" in daemons.log("hc-lb2")


def test_hacore_master_keepalived_backup_and_preemption(lan: LanBuilder,
                                                        daemons: Daemons) -> None:
    lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
    hacore = daemons.hacore(lb1, 101, "MASTER")
    wait_for(lambda: has_vip(lb1), 8, "hacore takes the VIP")
    daemons.keepalived(lb2, 100, "BACKUP")
    daemons.wait_log("ka-lb2", "Entering BACKUP STATE", 5)
    # keepalived would take over 3.6 s after starting if it rejected our adverts.
    started = time.monotonic()
    while time.monotonic() - started < MASTER_DOWN + 0.5:
        assert not has_vip(lb2), daemons.log("ka-lb2")
        time.sleep(0.05)
    after_start = daemons.log("ka-lb2").split("Entering BACKUP STATE", 1)[1].lower()
    for complaint in ("auth", "checksum", "interval", "invalid", "ttl", "mismatch", "error"):
        assert complaint not in after_start, after_start
    stop = time.monotonic()
    os.killpg(hacore.pid, signal.SIGTERM)  # graceful: priority 0, then the VIP goes
    took = wait_for(lambda: has_vip(lb2), 3, "keepalived takes over after priority 0") - stop
    assert SKEW - SLACK <= took <= SKEW + SLACK
    assert not has_vip(lb1)
    daemons.hacore(lb1, 101, "MASTER")  # comes back: preempts the lower priority
    wait_for(lambda: has_vip(lb1) and not has_vip(lb2), MASTER_DOWN + 3, "hacore preempts")


UNICAST = """\
    unicast_src_ip {own}
    unicast_peer {{
        {peer}
    }}
"""


def test_unicast_peers_interoperate(lan: LanBuilder, daemons: Daemons) -> None:
    """keepalived's unicast mode: adverts go to each peer, no TTL check (clouds without
    multicast)."""
    lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
    keepalived = daemons.keepalived(lb1, 101, "MASTER",
                                    UNICAST.format(own=lb1.address, peer=lb2.address))
    wait_for(lambda: has_vip(lb1), 8, "keepalived takes the VIP")
    daemons.hacore(lb2, 100, "BACKUP", UNICAST.format(own=lb2.address, peer=lb1.address))
    daemons.wait_log("hc-lb2", "(VI_1) master 198.18.0.11 priority 101", 5)
    fault = time.monotonic()
    os.killpg(keepalived.pid, signal.SIGKILL)
    took = wait_for(lambda: has_vip(lb2), MASTER_DOWN + 2, "hacore takes the VIP") - fault
    assert MASTER_DOWN - 1 - SLACK <= took <= MASTER_DOWN + SLACK


V3_FAST = """\
global_defs {{
    router_id {name}
    vrrp_version 3
}}
vrrp_instance VI_1 {{
    state {state}
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 0.1
    virtual_ipaddress {{
        198.18.0.100/24
    }}
{extra}}}
"""
MASTER_DOWN_V3_FAST = 0.360937  # priority 100, 0.1 s: 3 x 0.1 + 156 x 0.1 / 256


def test_vrrpv3_at_100ms_and_gratuitous_arps(lan: LanBuilder, daemons: Daemons) -> None:
    """keepalived master at advert_int 0.1 (VRRPv3, pseudo-header checksum), hacore backup:
    hacore hears it, takes over within [MDI - 0.1 s, MDI] of a kill, and a client on the LAN
    receives its 5 gratuitous ARPs for the VIP."""
    lb1, lb2 = lan.add_node("lb1", 11), lan.add_node("lb2", 12)
    client = lan.add_node("client", 50)
    keepalived = daemons.keepalived(lb1, 101, "MASTER", template=V3_FAST)
    wait_for(lambda: has_vip(lb1), 8, "keepalived takes the VIP")
    daemons.hacore(lb2, 100, "BACKUP", template=V3_FAST)
    daemons.wait_log("hc-lb2", "(VI_1) master 198.18.0.11 priority 101", 5)
    capture = daemons.spawn(client.exec_args("tcpdump", "-l", "-U", "-n", "-c", "5", "-i",
                                             "eth0", "arp"), daemons.tmp / "client-arp.log")
    daemons.wait_log("client-arp", "listening on eth0", 5)
    fault = time.monotonic()
    os.killpg(keepalived.pid, signal.SIGKILL)
    took = wait_for(lambda: has_vip(lb2), 2, "hacore takes the VIP") - fault
    assert MASTER_DOWN_V3_FAST - 0.1 - SLACK <= took <= MASTER_DOWN_V3_FAST + SLACK
    assert capture.wait(timeout=5) == 0
    garps = [line for line in daemons.log("client-arp").splitlines() if "who-has" in line]
    assert len(garps) == 5
    assert all("Request who-has 198.18.0.100 (ff:ff:ff:ff:ff:ff) tell 198.18.0.100" in line
               for line in garps)


def _adverts(daemons: Daemons, client: Node, name: str) -> list[bytes]:
    """Two advertisements captured on the client's port of the LAN, as raw frames."""
    pcap = daemons.tmp / f"{name}.pcap"
    capture = daemons.spawn(client.exec_args("tcpdump", "-U", "-c", "2", "-i", "eth0", "-w",
                                             str(pcap), "ip proto 112"),
                            daemons.tmp / f"{name}-tcpdump.log")
    assert capture.wait(timeout=10) == 0
    return [bytes(frame) for frame in rdpcap(str(pcap))]


def test_adverts_are_keepaliveds_byte_for_byte(lan: LanBuilder, daemons: Daemons) -> None:
    """The same node and configuration run by keepalived, then by hacore: the advertisements
    on the wire differ only in the IPv4 identification and header checksum."""
    lb1, client = lan.add_node("lb1", 11), lan.add_node("client", 50)
    keepalived = daemons.keepalived(lb1, 101, "MASTER")
    wait_for(lambda: has_vip(lb1), 8, "keepalived takes the VIP")
    theirs = _adverts(daemons, client, "keepalived")
    os.killpg(keepalived.pid, signal.SIGTERM)
    wait_for(lambda: not has_vip(lb1), 5, "keepalived removes the VIP")
    daemons.hacore(lb1, 101, "MASTER")
    wait_for(lambda: has_vip(lb1), 8, "hacore takes the VIP")
    ours = _adverts(daemons, client, "hacore")

    def without_id(frame: bytes) -> bytes:
        return frame[:18] + frame[20:24] + frame[26:]  # drop IP id and header checksum

    assert [without_id(f) for f in ours] == [without_id(f) for f in theirs]
    assert ours[0][34:].hex() == "21336501010144d5c61200647365637265743132"
