"""localstripe for the whole session: started on 127.0.0.1, seeded once, stopped at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe
from localstripe_env import API_KEY, LocalStripe, Seeded, seed, start_localstripe, stop_localstripe

import stripe_dbapi


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    server = start_localstripe(account_shim=False)  # stock localstripe: no GET /v1/account
    yield server
    stop_localstripe(server.process)


@pytest.fixture(scope="session")
def sdk(localstripe: LocalStripe) -> stripe.StripeClient:
    """The official SDK pointed at localstripe: the seeder and the oracle."""
    return stripe.StripeClient(
        API_KEY, base_addresses={"api": localstripe.url}, max_network_retries=0
    )


@pytest.fixture(scope="session")
def seeded(sdk: stripe.StripeClient) -> Seeded:
    return seed(sdk)


@pytest.fixture
def conn(localstripe: LocalStripe, seeded: Seeded) -> Iterator[stripe_dbapi.Connection]:
    # Concurrency=fixed: scans in parallel, as at Stripe's latency (tests/conftest.py).
    connection = stripe_dbapi.connect(localstripe.dsn + ";Concurrency=fixed")
    yield connection
    connection.close()
