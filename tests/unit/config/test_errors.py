"""Broken configurations: every alert of a file in one run, each with its exact message and
line (table in cases.py, shared with the haproxy -c oracle test)."""

from __future__ import annotations

import pytest

from hacore.config import ConfigError, load_texts
from tests.unit.config.cases import HAPROXY_CASES, KEEPALIVED_CASES, Case

ALL_CASES = HAPROXY_CASES + KEEPALIVED_CASES


def test_enough_cases() -> None:
    assert len(ALL_CASES) >= 30


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_broken_config_reports_every_alert(case: Case) -> None:
    name = "keepalived.conf" if case.name.startswith("ka-") else "haproxy.cfg"
    with pytest.raises(ConfigError) as caught:
        load_texts([(name, case.text)], env={}, config_id="lb1")
    got = [(d.location.line if d.location else None, d.message) for d in caught.value.alerts]
    expected = [(line, message.replace("{file}", name)) for line, message in case.alerts]
    assert [message for _, message in got] == [message for _, message in expected]
    for (got_line, _), (want_line, _) in zip(got, expected, strict=True):
        if want_line is not None:
            assert got_line == want_line


def test_str_names_file_and_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_texts([("haproxy.cfg", HAPROXY_CASES[0].text)], env={})
    assert str(caught.value) == ("[ALERT] parsing [haproxy.cfg:2] : unknown keyword 'maxcon' in "
                                 "'global' section; did you mean 'maxconn' maybe ?")
