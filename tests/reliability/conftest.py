"""Reliability fixtures: scripted misbehaving servers, each stopped after its test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from reliability_helpers import Reply, ScriptedServer


@pytest.fixture()
def scripted() -> Iterator[Callable[..., ScriptedServer]]:
    """A factory of scripted servers; every one is stopped after the test."""
    started: list[ScriptedServer] = []

    def make(script: Callable[[str, list[tuple[str, str]], int], Reply]) -> ScriptedServer:
        server = ScriptedServer(script).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
