"""vrrp_garp_interval as keepalived 2.2.7 paces gratuitous ARPs (measured by a research helper:
two VIPs, five repeats, 0.2 s apart gave three ARPs), with scripted time."""

from __future__ import annotations

import ipaddress

from hacore.vrrp.garp import GarpPacer

A53, A54 = ipaddress.IPv4Address("198.18.0.53"), ipaddress.IPv4Address("198.18.0.54")


def test_without_interval_every_repeat_goes_round_by_round() -> None:
    assert GarpPacer(0.0).request([A53, A54], 2, 10.0) == [A53, A54, A53, A54]


def test_interval_collapses_the_burst_and_spaces_what_is_left() -> None:
    pacer = GarpPacer(0.2)
    assert pacer.request([A53, A54], 5, 10.0) == [A53]
    assert pacer.deadline() == 10.2
    assert pacer.due(10.1) == []
    assert pacer.due(10.2) == [A53]
    assert pacer.deadline() == 10.2 + 0.2
    assert pacer.due(10.4) == [A54]
    assert pacer.deadline() is None


def test_a_later_request_waits_for_the_interfaces_slot() -> None:
    pacer = GarpPacer(1.0)
    assert pacer.request([A53], 1, 0.0) == [A53]
    assert pacer.request([A54], 1, 0.5) == []
    assert pacer.due(1.0) == [A54]
    assert pacer.request([A53], 1, 3.0) == [A53]
