"""One SQLAlchemy engine on the built-in sandbox per test module (each connect starts one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

SANDBOX_URL = "stripe:///?Sandbox=true"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """An engine on `stripe:///?Sandbox=true`, the URL users paste."""
    eng = create_engine(SANDBOX_URL)
    try:
        yield eng
    finally:
        eng.dispose()
