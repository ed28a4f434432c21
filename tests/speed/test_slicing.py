"""Parallel created-range scans return exactly a sequential scan's rows.

A fake client lists a synthetic collection newest first, as Stripe does (ties by id
descending), with `created` ranges and `starting_after`; the data has seconds holding
hundreds of objects, so slices meet clusters at their boundaries and inside pages.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.exceptions import OperationalError
from stripe_dbapi.query.plan import Call, Scan
from stripe_dbapi.scan import slicing
from stripe_dbapi.scan.calls import scan_batches
from stripe_dbapi.stripe_api import PAGE_SIZE


class FakeStripe:
    """list_pages over `rows` like Stripe: newest first, created ranges, cursors."""

    def __init__(self, rows: list[dict[str, Any]], order: str = "newest") -> None:
        self.rows = sorted(rows, key=lambda r: (r["created"], r["id"]), reverse=order == "newest")
        self.requests: list[tuple[tuple[str, str], ...]] = []
        self._lock = threading.Lock()

    @property
    def request_count(self) -> int:
        return len(self.requests)

    def observe_cpu(self, seconds: float, answers: int) -> None:
        """What StripeClient sizes the next scan by; nothing to size here."""

    def list_pages(
        self,
        path: str,
        params: Any = (),
        *,
        max_rows: int | None = None,
        starting_after: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        lo, hi, _ = slicing.range_bounds(params, "created")
        selected = [
            r for r in self.rows if lo <= r["created"] and (hi is None or r["created"] < hi)
        ]
        start = 0
        if starting_after is not None:
            start = next(i for i, r in enumerate(selected) if r["id"] == starting_after) + 1
        while True:
            with self._lock:
                self.requests.append(tuple(params) + (("starting_after", str(starting_after)),))
            page = selected[start : start + PAGE_SIZE]
            if page:
                yield page
            start += PAGE_SIZE
            if start >= len(selected):
                return
            starting_after = page[-1]["id"]


def _rows(seed: int, n: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    base = 1_700_000_000
    for i in range(n):
        r = rng.random()
        if r < 0.3:
            created = base + 5_000  # one second holding ~30% of the rows
        elif r < 0.4:
            created = base + rng.choice((100, 101, 20_000))  # more clusters
        else:
            created = base + int(rng.expovariate(1 / 40_000))
        rows.append({"id": f"ch_{i:08d}", "created": created, "amount": i})
    return rows


def _scan(client: Any, params: tuple[tuple[str, str], ...], concurrency: int) -> list[str]:
    table = load_catalog().tables["charges"]
    call = Call("list", "/v1/charges", params, slice="created")
    scan = Scan(0, "charges", "charges", ("id", "created", "amount"), calls=(call,))
    ids: list[str] = []
    for batch in scan_batches(client, scan, table, concurrency=concurrency):  # type: ignore[arg-type]
        ids.extend(batch.column("id").to_pylist())
    return ids


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "params",
    [
        (),
        (("created[gte]", "1700000050"),),
        (("created[gt]", "1700000100"), ("created[lte]", "1700030000")),
    ],
)
def test_parallel_slices_return_exactly_the_sequential_rows(seed, params):
    fake = FakeStripe(_rows(seed, 3000))
    sequential = _scan(fake, params, concurrency=1)
    fake.requests.clear()
    parallel = _scan(fake, params, concurrency=8)
    assert len(parallel) == len(set(parallel))  # no duplicate
    assert sorted(parallel) == sorted(sequential)  # no gap
    assert any(("created[lt]" in dict(p)) for p in fake.requests)  # it did slice


def test_a_cluster_bigger_than_a_page_is_read_once_through_the_cursor():
    rows = [{"id": f"ch_{i:05d}", "created": 1_700_000_000, "amount": i} for i in range(450)]
    rows += [
        {"id": f"ch_x{i:04d}", "created": 1_600_000_000 + i * 7, "amount": i} for i in range(900)
    ]
    fake = FakeStripe(rows)
    ids = _scan(fake, (), concurrency=8)
    assert sorted(ids) == sorted(r["id"] for r in rows)


def test_an_empty_slice_costs_one_request():
    # 101 recent rows, then nothing for years: the split's older pieces are all empty.
    rows = [{"id": f"ch_{i:05d}", "created": 1_700_000_000 + i, "amount": i} for i in range(101)]
    fake = FakeStripe(rows)
    assert sorted(_scan(fake, (), concurrency=8)) == sorted(r["id"] for r in rows)
    slices = [p for p in fake.requests if "created[lt]" in dict(p)]
    assert len(slices) > 1
    assert len({p for p in slices}) == len(slices)  # each piece asked once
    # the first page plus one request per piece, and no more
    assert len(fake.requests) == 1 + len(slices)


def test_a_server_listing_oldest_first_is_read_sequentially():
    fake = FakeStripe(_rows(3, 1000), order="oldest")
    ids = _scan(fake, (), concurrency=8)
    assert sorted(ids) == sorted(r["id"] for r in fake.rows)
    assert not any("created[lt]" in dict(p) for p in fake.requests)


def test_pieces_cover_the_range_exactly_in_whole_seconds():
    for lo, hi, density in [(0, 1_800_000_000, 0.01), (100, 105, 50.0), (7, 8, 1.0)]:
        cut = slicing.pieces(lo, hi, density, 16)
        assert cut[0][1] == hi and cut[-1][0] == lo and len(cut) <= 16
        assert all(a < b for a, b in cut)
        assert all(cut[i][0] == cut[i + 1][1] for i in range(len(cut) - 1))


def test_range_bounds_are_half_open():
    params = (("created[gt]", "10"), ("created[lte]", "20"), ("customer", "cus_1"))
    assert slicing.range_bounds(params, "created") == (11, 21, (("customer", "cus_1"),))
    assert slicing.range_bounds((("created", "5"),), "created") == (5, 6, ())


def test_a_server_that_ignores_created_ranges_fails_instead_of_repeating_rows():
    class IgnoresRanges(FakeStripe):
        def list_pages(self, path, params=(), **kw):
            kept = tuple(p for p in params if not p[0].startswith("created"))
            return super().list_pages(path, kept, **kw)

    fake = IgnoresRanges(_rows(4, 1000))
    with pytest.raises(OperationalError, match="outside the requested created range"):
        _scan(fake, (), concurrency=8)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_sliced_scan_costs_at_most_one_request_more_per_piece(seed):
    """Every piece ends in a page that is not full (or is empty), so what slicing costs
    in requests is its number of pieces: at most 2 × MaxConcurrency per scan, splits
    included, whatever the data's spread (issue #15: requests ≤ 1.1 × pages)."""
    rng = random.Random(seed)
    base = 1_790_000_000
    # Growth over years, as in a real account: older data sparser, a recent dense stretch.
    rows = [
        {"id": f"ch_{i:06d}", "created": base - int(rng.expovariate(1 / 3e6)), "amount": i}
        for i in range(12_000)
    ]
    fake = FakeStripe(rows)
    concurrency = 8
    ids = _scan(fake, (), concurrency=concurrency)
    assert sorted(ids) == sorted(r["id"] for r in rows)
    pages = -(-len(rows) // PAGE_SIZE)
    assert len(fake.requests) <= pages + 2 * concurrency + 1, (len(fake.requests), pages)


def test_a_scan_keeps_only_the_requests_in_flight_its_budget_needs():
    """Little's law: rate × (latency + CPU per answer) in flight spend the budget."""
    from stripe_dbapi.stripe_api import requests_in_flight

    def budget_only(rate: float | None, latency: float | None, cpu: float = 0.01) -> int:
        return requests_in_flight(16, rate, latency, cpu, adaptive=False)

    assert budget_only(None, 0.2) == 16  # no budget: MaxConcurrency
    assert budget_only(25.0, None) == 16  # nothing measured yet
    assert budget_only(25.0, 0.1) == 4  # a test key: 25/s × 0.11 s + 1
    assert budget_only(100.0, 0.3) == 16  # a live key: capped by MaxConcurrency
    assert budget_only(100.0, 0.0) == 2  # an instant server: 100/s × 0.01 s + 1


def test_a_scan_keeps_only_the_requests_in_flight_the_client_can_process():
    """One request while an answer takes less than the client's CPU for it; then
    1 + 2 × latency ÷ CPU per answer, within MaxConcurrency and the rate budget."""
    from stripe_dbapi.stripe_api import CPU_PER_REQUEST, requests_in_flight

    assert requests_in_flight(16, None, 0.002, 0.01) == 1  # a local server
    assert requests_in_flight(16, None, 0.009, 0.01) == 1  # still under the CPU per answer
    assert requests_in_flight(16, None, 0.02, 0.01) == 5  # 1 + 2 × 20 ms ÷ 10 ms
    assert requests_in_flight(16, None, 0.1, 0.012) == 16  # Stripe's latencies: the cap
    assert requests_in_flight(4, None, 0.1, 0.012) == 4  # MaxConcurrency
    assert requests_in_flight(16, None, 0.1, 0.001) == 16
    assert requests_in_flight(16, 25.0, 0.1, 0.01) == 4  # the budget is lower
    assert requests_in_flight(16, None, 0.02, None) == 1 + int(0.04 / CPU_PER_REQUEST)
    assert requests_in_flight(16, None, None, 0.01) == 16  # nothing measured yet
