"""Pure packages (config model and parsers; later codecs, state machines, balancers, ACLs)
import no I/O machinery: sans-IO is checked, not hoped for."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "hacore"
PURE_PACKAGES = ("config", "acl", "balance", "vrrp", "health")
FORBIDDEN = frozenset({"asyncio", "socket", "subprocess", "pyroute2", "uvloop",
                       "prometheus_client", "selectors", "ssl", "threading"})


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


# The I/O shells that live beside the pure code they drive (architecture.md §4.2).
IO_MODULES = frozenset({"vrrp/addresses.py", "vrrp/sockets.py", "vrrp/driver.py", "vrrp/links.py",
                        "vrrp/sequencer.py", "vrrp/sync_groups.py",
                        "vrrp/sockets6.py", "vrrp/build.py",
                        "vrrp/scripts.py", "health/probes.py", "health/checker.py"})
PURE_MODULES = sorted(p for package in PURE_PACKAGES for p in (PACKAGE / package).rglob("*.py")
                      if str(p.relative_to(PACKAGE)) not in IO_MODULES)


def test_pure_modules_exist() -> None:
    assert len(PURE_MODULES) >= 10


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_module_imports_no_io(path: Path) -> None:
    assert _imports(path) & FORBIDDEN == set()


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path: Path) -> None:
    """House style: one job per module, at most 400 lines."""
    assert len(path.read_text().splitlines()) <= 400
