"""One sandbox server per test module (seed 0, scale 1), and clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import stripe

from stripe_dbapi.sandbox import SandboxServer, start_sandbox


@pytest.fixture(scope="module")
def srv() -> Iterator[SandboxServer]:
    server = start_sandbox(seed=0, scale=1.0)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(srv: SandboxServer) -> stripe.StripeClient:
    """The official SDK, pointed at the sandbox: the judge of wire compatibility."""
    return stripe.StripeClient(srv.api_key, base_addresses={"api": srv.url}, max_network_retries=0)


@pytest.fixture(scope="module")
def http(srv: SandboxServer) -> Iterator[requests.Session]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {srv.api_key}"
    yield session
    session.close()
