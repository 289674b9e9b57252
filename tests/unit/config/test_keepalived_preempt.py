"""Preemption settings keepalived 2.2.7 clears on an instance that starts as MASTER (it
preempts at once whatever the file says), with its warnings."""

from __future__ import annotations

import pytest

from hacore.config import ConfigError, load_texts

BASE = """\
vrrp_instance VI_1 {{
    state {state}
    interface eth0
    virtual_router_id 51
    priority 101
{extra}    virtual_ipaddress {{
        198.18.0.100/24
    }}
}}
"""


@pytest.mark.parametrize(("state", "extra", "preempt", "delay", "warnings"), [
    ("MASTER", "    nopreempt\n", True, 0.0,
     ["(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing"]),
    ("MASTER", "    preempt_delay 5\n", True, 0.0,
     ["(VI_1) Warning - preempt delay will not work with initial state MASTER - clearing"]),
    ("BACKUP", "    nopreempt\n    preempt_delay 5\n", False, 5.0, []),
])
def test_master_start_clears_nopreempt_and_preempt_delay(
        state: str, extra: str, preempt: bool, delay: float, warnings: list[str]) -> None:
    config = load_texts([("keepalived.conf", BASE.format(state=state, extra=extra))], env={},
                        config_id="lb1")
    assert config.keepalived is not None
    (instance,) = config.keepalived.instances
    assert (instance.preempt, instance.preempt_delay) == (preempt, delay)
    assert [w.message for w in config.warnings] == warnings


@pytest.mark.parametrize(("keyword", "words"), [
    ("authentication", "PASS"), ("unicast_peer", "198.18.0.12"), ("track_script", "chk"),
    ("track_interface", "eth1"), ("virtual_ipaddress_excluded", "198.18.0.101/24")])
def test_a_block_keyword_without_its_block_is_refused_by_name(keyword: str, words: str) -> None:
    text = BASE.format(state="BACKUP", extra=f"    {keyword} {words}\n")
    with pytest.raises(ConfigError) as caught:
        load_texts([("keepalived.conf", text)], env={}, config_id="lb1")
    assert [(a.location.line if a.location else None, a.message) for a in caught.value.alerts] == [
        (6, f"vrrp_instance VI_1: '{keyword}' expects a {{ }} block, got '{words}'")]


@pytest.mark.parametrize("digits", ["\u00b2", "\u0661\u0660\u0660"])  # superscript 2, Arabic-Indic 100
def test_digits_of_other_scripts_are_no_number(digits: str) -> None:
    text = BASE.format(state="BACKUP", extra="").replace("priority 101", f"priority {digits}")
    with pytest.raises(ConfigError) as caught:
        load_texts([("keepalived.conf", text)], env={}, config_id="lb1")
    assert [a.location.line if a.location else None for a in caught.value.alerts] == [5]
    assert "invalid literal" not in caught.value.alerts[0].message
