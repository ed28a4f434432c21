"""Pushdown never changes an answer: a fixed-seed run of the differential fuzzer.

Generated queries (queries.py) run on a Pushdown=true and a Pushdown=false connection to one
sandbox and must agree (harness.py). A difference fails with the query Hypothesis shrank it
to. `tools/fuzz.py` runs the same strategies for as long as you like.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from .harness import Differ
from .queries import Query, queries

EXAMPLES = 300


def run_fixed_seed(diff: Differ, examples: int = EXAMPLES, fail: bool = True) -> list[str]:
    """Run `examples` derandomized queries; fail on the first difference (shrunk) or, with
    fail=False, return every difference's report."""
    found: list[str] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(queries(diff.context))
    def check(query: Query) -> None:
        difference = diff.check(query)
        if difference is None:
            return
        if fail:
            raise AssertionError(difference.report())
        found.append(difference.report())

    check()
    return found


def test_pushdown_never_changes_an_answer(diff: Differ) -> None:
    before = diff.answered_directly
    run_fixed_seed(diff)
    # The run reaches the driver's own answers (query/direct.py), not only the engine's.
    assert diff.answered_directly - before >= 10
