"""One small sandbox for the differential tests, and the connections comparing over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .harness import Differ, differ


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis warns when it builds the repr of a strategy holding many sample values.
    config.addinivalue_line("filterwarnings", "ignore:Generating overly large repr")


@pytest.fixture(scope="session")
def diff() -> Iterator[Differ]:
    """Pushdown=true and Pushdown=false connections to one sandbox (seed 7, scale 0.05)."""
    with differ() as d:
        yield d
