"""Security fixtures: an isolated config dir, a small sandbox, a dead URL."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import stripe_dbapi
from stripe_dbapi.sandbox import SandboxServer, start_sandbox


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Saved connections of these tests live in a fresh directory, never the user's."""
    directory = tmp_path / "config"
    monkeypatch.setenv("STRIPE_DBAPI_CONFIG_DIR", str(directory))
    monkeypatch.delenv("STRIPE_DBAPI_DSN", raising=False)
    return directory


@pytest.fixture(scope="module")
def small() -> Iterator[SandboxServer]:
    """A sandbox at scale 0.05 (50 customers, 250 charges)."""
    srv = start_sandbox(seed=0, scale=0.05)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def small_conn(small: SandboxServer) -> Iterator[stripe_dbapi.Connection]:
    with stripe_dbapi.connect(small.dsn) as conn:
        yield conn


@pytest.fixture(scope="module")
def dead_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"
