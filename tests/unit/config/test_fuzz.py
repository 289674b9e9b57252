"""Whatever bytes a user feeds in, loading ends in a Config or a ConfigError: never another
exception (hypothesis, random text and mutations of the course's files)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hacore.config import ConfigError, load_texts
from tests.conftest import COURSE
from tests.unit.config.cases import HAPROXY_BASE, KEEPALIVED_BASE

SEEDS = [HAPROXY_BASE, KEEPALIVED_BASE, (COURSE / "haproxy.cfg").read_text(),
         (COURSE / "keepalived-lb1.conf").read_text()]
TOKENS = ["{", "}", '"', "'", "\\", "#", "!", "$X", "${X}", "@lb1", "-1", "0", "256", "99999",
          "1.5", "abc", "::1", "[::1]:80", "*:80", "if", "unless", "!{", "or", "weight", "check",
          "backup", "include /nonexistent/*", "frontend", "backend", "listen", "defaults",
          "vrrp_instance", "global_defs", "\t", "\n", "\r", " ", "\x00", "é"]


def _load(text: str) -> None:
    try:
        load_texts([("fuzz.cfg", text)], env={"X": "1 2"}, config_id="lb1")
    except ConfigError as error:
        assert error.alerts, "a ConfigError always carries at least one alert"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_random_text(text: str) -> None:
    _load(text)


@settings(max_examples=400, deadline=None)
@given(seed=st.sampled_from(SEEDS), edits=st.lists(
    st.tuples(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=12),
              st.sampled_from(TOKENS)), max_size=6))
def test_mutated_course_files(seed: str, edits: list[tuple[int, int, str]]) -> None:
    text = seed
    for position, cut, token in edits:
        at = position % (len(text) + 1)
        text = text[:at] + token + text[at + cut:]
    _load(text)


@settings(max_examples=200, deadline=None)
@given(seed=st.sampled_from(SEEDS), data=st.data())
def test_lines_shuffled_and_dropped(seed: str, data: st.DataObject) -> None:
    lines = seed.splitlines()
    kept = data.draw(st.lists(st.sampled_from(lines), max_size=len(lines) + 5))
    _load("\n".join(kept) + "\n")
