"""README's compatibility table names every keyword the parsers know, so it cannot drift from
the code: a keyword added to a table without a README line fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from hacore.config import haproxy_options
from hacore.config.haproxy_global import GLOBAL_KEYWORDS, GLOBAL_UNSUPPORTED
from hacore.config.haproxy_keywords import PROXY_KEYWORDS, PROXY_UNSUPPORTED
from hacore.config.haproxy_server import BIND_UNSUPPORTED, SERVER_KEYWORDS
from hacore.config.keepalived_global import GLOBAL_DEFS_IGNORED, GLOBAL_DEFS_KEYWORDS
from hacore.config.keepalived_instance import INSTANCE_KEYWORDS, INSTANCE_UNSUPPORTED

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
KEYWORDS = sorted({
    *PROXY_KEYWORDS, *PROXY_UNSUPPORTED, *GLOBAL_KEYWORDS, *GLOBAL_UNSUPPORTED,
    *haproxy_options._KNOWN_OPTIONS, *SERVER_KEYWORDS, *BIND_UNSUPPORTED,
    *GLOBAL_DEFS_KEYWORDS, *GLOBAL_DEFS_IGNORED, *INSTANCE_KEYWORDS, *INSTANCE_UNSUPPORTED,
})


@pytest.mark.parametrize("keyword", KEYWORDS)
def test_readme_lists_keyword(keyword: str) -> None:
    assert f"`{keyword}" in README


def test_readme_shows_the_two_commands() -> None:
    assert "bin/hacore lab" in README and "bin/test" in README
