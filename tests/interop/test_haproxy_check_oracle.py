"""The same broken files through `haproxy -c` (HAProxy 2.6, the reference) and through
hacore: the alert messages must be the same, in the same order.

HAProxy's prefixes vary (`parsing [F:L] : `, `parsing [F:L]: `, `[F:L] : `, a doubled final
period on server lines); they are normalised away, messages are compared verbatim.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from hacore.config import ConfigError, load_texts
from tests.unit.config.cases import HAPROXY_CASES, Case

pytestmark = pytest.mark.interop("haproxy")

_ALERT = re.compile(r"\[ALERT\] +\(\d+\) : config : (.*)")
_PREFIX = re.compile(r"^(?:(?:[Pp]arsing )?\[[^\]]+:\d+\] ?: )+")
_CLOSING = ("Error(s) found in configuration file", "Fatal errors found in configuration.")


def haproxy_alerts(path: Path) -> list[str]:
    result = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 1, result.stderr
    messages: list[str] = []
    for line in result.stderr.splitlines():
        match = _ALERT.match(line)
        if match is None:
            if messages and line.startswith("  "):
                messages[-1] += "\n" + line  # the echoed line and caret of a lexer error
            continue
        text = match.group(1)
        if not text.startswith(_CLOSING):
            messages.append(_PREFIX.sub("", text).removesuffix(".."))
    return messages


def _normalise(message: str) -> str:
    return message.removesuffix(".")


@pytest.mark.parametrize("case", [c for c in HAPROXY_CASES if c.haproxy_oracle],
                         ids=lambda c: c.name)
def test_alerts_match_haproxy(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(case.text)
    with pytest.raises(ConfigError) as caught:
        load_texts([(str(path), case.text)], env={})
    ours = [_normalise(d.message) for d in caught.value.alerts]
    assert ours == [_normalise(m) for m in haproxy_alerts(path)]
