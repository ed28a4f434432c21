"""Fixtures for the OAuth2 tests: the loopback token endpoint, the sandbox, and the
cassette settings (pytest-recording)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from stripe_dbapi.sandbox import SandboxServer, start_sandbox
from tests.oauth.oauth_support import CASSETTES, FILTERED, TokenServer, scrub_tokens


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    server = TokenServer().start()
    yield server
    server.stop()


@pytest.fixture
def sandbox_for_first_token() -> Iterator[SandboxServer]:
    """A sandbox that accepts only the first access token the token server issues."""
    server = start_sandbox(api_key=TokenServer.access_token(1))
    yield server
    server.stop()


# -- cassettes (pytest-recording) ----------------------------------------------------------


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Secrets filtered out; requests matched on method, path and body (ports are random)."""
    return {
        "filter_headers": [("authorization", FILTERED)],
        "filter_post_data_parameters": [
            ("client_secret", FILTERED),
            ("refresh_token", FILTERED),
            ("code", FILTERED),
        ],
        "before_record_response": scrub_tokens,
        "match_on": ["method", "path", "body"],
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)
