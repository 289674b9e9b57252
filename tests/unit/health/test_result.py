"""Transition log lines in HAProxy 2.6's wording (running-the-references.md examples)."""

from __future__ import annotations

from hacore.health.result import CheckResult, no_server_line, transition_line


def test_down_line() -> None:
    result = CheckResult("L7STS", 2, 500, "Internal Server Error")
    assert transition_line("http_back", "app1", result, backup=False, up=False, active_left=1,
                           backup_left=1, sessions=0) == (
        'Server http_back/app1 is DOWN, reason: Layer7 wrong status, code: 500, info: '
        '"Internal Server Error", check duration: 2ms. 1 active and 1 backup servers left. '
        '0 sessions active, 0 requeued, 0 remaining in queue.')


def test_up_line_and_backup_prefix() -> None:
    result = CheckResult("L7OK", 0, 200, None)
    assert transition_line("b", "s1", result, backup=True, up=True, active_left=1,
                           backup_left=1, sessions=0) == (
        "Backup Server b/s1 is UP, reason: Layer7 check passed, code: 200, check duration: "
        "0ms. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.")


def test_connection_refused_and_no_server() -> None:
    result = CheckResult("L4CON", 0, None, "Connection refused")
    assert result.reason() == ('reason: Layer4 connection problem, info: "Connection '
                               'refused", check duration: 0ms')
    assert no_server_line("http_back") == "backend 'http_back' has no server available!"
