"""VRRP timer arithmetic in integer microseconds, as keepalived computes it (vrrp.h
VRRP_TIMER_SKEW, VRRP_MS_DOWN_TIMER), so that the deadlines match keepalived's to the µs:

- VRRPv2 (RFC 3768 §6.1): Skew_Time = (256 - Priority) / 256 s, whatever the interval;
- VRRPv3 (RFC 5798 §6.1): Skew_Time = (256 - Priority) * Master_Adver_Interval / 256;
- Master_Down_Interval = down_timer_adverts (3 in the RFCs) * Master_Adver_Interval + Skew.

Priority 100 at 1 s gives 609375 µs and 3609375 µs in both versions; FRR's centisecond
rounding (3.60 s) would not interoperate to the millisecond.
"""

from __future__ import annotations

MICROSECONDS = 1_000_000


def skew_time_us(version: int, priority: int, master_adver_int_cs: int) -> int:
    if version == 2:
        return (256 - priority) * MICROSECONDS // 256
    return (256 - priority) * master_adver_int_cs * 10_000 // 256


def master_down_interval_us(version: int, priority: int, master_adver_int_cs: int,
                            down_timer_adverts: int = 3) -> int:
    return (down_timer_adverts * master_adver_int_cs * 10_000
            + skew_time_us(version, priority, master_adver_int_cs))


def seconds(microseconds: int) -> float:
    return microseconds / MICROSECONDS
