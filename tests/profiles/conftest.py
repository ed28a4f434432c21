"""Fixtures for saved connections: an isolated config dir per test, one shared sandbox."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stripe_dbapi.cli import main
from stripe_dbapi.sandbox import SandboxServer, start_sandbox

RIGHT_KEY = "sk_test_right_key_123"


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own, empty, config dir."""
    directory = tmp_path / "config"
    monkeypatch.setenv("STRIPE_DBAPI_CONFIG_DIR", str(directory))
    return directory


@pytest.fixture(scope="session")
def strict_sandbox() -> Iterator[SandboxServer]:
    """A small sandbox that accepts only RIGHT_KEY."""
    server = start_sandbox(api_key=RIGHT_KEY, scale=0.05)
    yield server
    server.stop()


@pytest.fixture
def dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run `stripe-dbapi …` in-process; its exit status, stdout and stderr."""

    def run(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
