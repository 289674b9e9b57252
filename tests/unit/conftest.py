"""Unit tests are pure: no sockets, no real time. Opening a socket here fails loudly."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


class SocketInUnitTestError(AssertionError):
    pass


@pytest.fixture(autouse=True)
def _no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise SocketInUnitTestError("unit tests must not open sockets; use tests/integration")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "socketpair", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield
