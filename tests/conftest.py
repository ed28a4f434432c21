"""Fixtures shared by the whole suite: one sandbox per session and connections to it."""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator

import pytest

import stripe_dbapi
from stripe_dbapi.sandbox import SandboxServer, start_sandbox


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C works in the suite however it was started.

    A shell without job control starts `cmd &` with SIGINT ignored, and an ignored signal
    stays ignored across exec: every CLI the Ctrl-C tests spawn would then ignore their
    SIGINT (and Python would not turn it into KeyboardInterrupt in this process either).
    A Python handler, unlike SIG_IGN, is reset to the default by exec.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """The sandbox at scale 1 (about 1,000 customers, 5,000 charges), seed 0."""
    srv = start_sandbox(seed=0, scale=1.0)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture()
def conn(sandbox: SandboxServer) -> Iterator[stripe_dbapi.Connection]:
    """A fresh connection to the session's sandbox, closed after the test.

    `Concurrency=fixed`: its scans run in parallel as they would at Stripe's latency; at a
    local server's the driver would read them one request at a time (docs/performance.md)."""
    sandbox.reset_log()
    connection = stripe_dbapi.connect(sandbox.dsn + ";Concurrency=fixed")
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture()
def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
