"""Cassettes that pin the exact requests a query sends (pytest-recording + vcrpy).

Recording (`--record-mode=rewrite`, or `once`/`new_episodes`) points the driver at a
fresh sandbox (seed 0, scale 0.2). Replaying (`--record-mode=none`, what CI runs) needs
no server: the driver is pointed at a fixed base that nothing listens on, and vcrpy
answers from the cassette, matching on method, path and query only, so the sandbox's
random port at recording time does not matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests.adapters
from cassette_lines import request_line

from stripe_dbapi.sandbox import start_sandbox

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "driver"
# One request in flight at a time: vcrpy drops interactions recorded from several threads
# at once (kevin1024/vcrpy#849; here 2 of 4 look-ups went missing), and one at a time
# also makes the order of a fan-out's requests part of what a cassette pins.
SERIAL = "MaxRetries=0;MaxConcurrency=1"
REPLAY_BASE = "http://127.0.0.1:9"  # the discard port: nothing answers, vcrpy must
REPLAY_DSN = (
    f"AuthScheme=APIKey;LiveAPIKey=sk_test_replay_0000000000;ApiBase={REPLAY_BASE};{SERIAL}"
)
SANDBOX_SEED, SANDBOX_SCALE = 0, 0.2


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    return {
        "match_on": ["method", "path", "query"],
        "filter_headers": ["authorization"],
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def dsn(request: pytest.FixtureRequest) -> Iterator[str]:
    """The sandbox's DSN when recording; a fixed, dead base when replaying."""
    if request.config.getoption("--record-mode") == "none":
        yield REPLAY_DSN
        return
    server = start_sandbox(seed=SANDBOX_SEED, scale=SANDBOX_SCALE)
    yield f"{server.dsn};{SERIAL}"
    server.stop()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request the driver sends during the test, as `request_line`s, in order.

    Taken at requests' transport adapter, under vcrpy, so it sees the same requests
    whether they go to the sandbox or are answered from a cassette.
    """
    lines: list[str] = []
    original = requests.adapters.HTTPAdapter.send

    def send(self: requests.adapters.HTTPAdapter, req: Any, *args: Any, **kwargs: Any) -> Any:
        lines.append(request_line(req.method, req.url))
        return original(self, req, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return lines
