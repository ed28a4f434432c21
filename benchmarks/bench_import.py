"""Wall time of a fresh process importing the catalog and loading it.

    python benchmarks/bench_import.py [--runs N]

Each run is a new interpreter (`python -c "import stripe_dbapi.catalog; …load_catalog()"`),
so the figure includes interpreter start-up; a baseline run of `python -c "pass"` is
printed next to it, and the difference is what the catalog costs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOAD = "import stripe_dbapi.catalog; stripe_dbapi.catalog.load_catalog()"


def wall_times(code: str, runs: int) -> list[float]:
    """Seconds each of `runs` fresh interpreters took to run `code`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    baseline = wall_times("pass", args.runs)
    loading = wall_times(LOAD, args.runs)
    for label, times in (("python -c pass", baseline), ("catalog import+load", loading)):
        print(
            f"{label:>20}: median {statistics.median(times) * 1000:6.1f} ms, "
            f"min {min(times) * 1000:6.1f} ms over {args.runs} runs"
        )
    extra = statistics.median(loading) - statistics.median(baseline)
    print(f"{'catalog cost':>20}: median {extra * 1000:6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
