"""A long differential fuzzing campaign: Pushdown=true against Pushdown=false.

    python tools/fuzz.py --queries 2000 --seed 1 [--report fuzz-report.md] [--scale 0.05]

Queries come from the strategies in tests/differential/queries.py and run on one sandbox
through both connections (tests/differential/harness.py). A difference is shrunk by
Hypothesis to a minimal query; the campaign then goes on with the next seed, counting a
later difference as already known when it raises the same error (message template) as a
known one, or differs in its rows on a query with every feature of a known minimal one.
The report lists queries run, the differences (minimal query and both answers), the seeds
and the time taken.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from differential import harness, queries  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis.strategies import SearchStrategy  # noqa: E402


class Found(Exception):
    """Raised inside the Hypothesis test on a difference not known yet."""


Known = list[harness.Difference]


@dataclass
class _Round:
    calls: int = 0
    first: int | None = None  # the call that met the first new difference
    last: harness.Difference | None = None  # the last one met: Hypothesis's minimal


def one_round(
    d: harness.Differ,
    strategy: SearchStrategy[queries.Query],
    round_seed: int,
    budget: int,
    known: Known,
) -> tuple[int, harness.Difference | None]:
    """Up to `budget` queries from `round_seed`; stops at the first difference not known
    yet, which Hypothesis shrinks. Returns the queries generated and that difference."""
    state = _Round()

    @seed(round_seed)
    @settings(
        max_examples=budget,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
    )
    @given(strategy)
    def one(q: queries.Query) -> None:
        state.calls += 1
        diff = d.check(q)
        if diff is not None and not harness.is_known(diff, known):
            if state.first is None:
                state.first = state.calls
            state.last = diff
            raise Found(diff.what)

    try:
        one()
    except Exception:  # Found, or Hypothesis's Flaky when a difference does not repeat
        if state.last is None:
            raise
        return state.first or 0, state.last
    return state.calls, None


def campaign(n: int, first_seed: int, scale: float, log: bool = True) -> dict:
    """Run `n` generated queries (seeds from `first_seed` on); the result for `report`."""
    started = time.monotonic()
    known: Known = []
    generated = 0
    seeds: list[int] = []
    with harness.differ(seed=harness.SEED, scale=scale) as d:
        strategy = queries.queries(d.context)
        round_seed = first_seed
        while generated < n:
            seeds.append(round_seed)
            count, diff = one_round(d, strategy, round_seed, n - generated, known)
            generated += count
            if diff is None:
                break
            known.append(diff)
            if log:
                print(f"[{generated}/{n}] seed {round_seed}: {diff.report()}\n", file=sys.stderr)
            round_seed += 1
        executed = d.queries_run
        direct = d.answered_directly
    return {
        "queries": generated,
        "executed": executed,
        "direct": direct,
        "seeds": seeds,
        "seconds": time.monotonic() - started,
        "differences": list(known),
        "scale": scale,
    }


def report(result: dict) -> str:
    lines = [
        "# Differential fuzzing: Pushdown=true vs Pushdown=false",
        "",
        f"- queries generated: {result['queries']} (executed, shrinking included: "
        f"{result['executed']}; answered by the driver without the engine: {result['direct']})",
        f"- seeds: {', '.join(map(str, result['seeds']))} (sandbox seed {harness.SEED}, "
        f"scale {result['scale']})",
        f"- time: {result['seconds']:.0f} s",
        f"- distinct differences: {len(result['differences'])}",
        "",
    ]
    for i, diff in enumerate(result["differences"], 1):
        lines += [f"## {i}. {diff.what}", "", "```sql", str(diff.query), "```", ""]
        lines += [
            f"- Pushdown=true: {diff.pushed.show()}",
            f"- Pushdown=false: {diff.reference.show()}",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=harness.SCALE)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    result = campaign(args.queries, args.seed, args.scale)
    text = report(result)
    if args.report:
        args.report.write_text(text, encoding="utf-8")
    print(text)
    return 1 if result["differences"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
