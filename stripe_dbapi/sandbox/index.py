"""Indexes over a collection's rows, so a list page costs look-ups, not a scan.

A collection's rows are in list order (newest first), so a page is a run of positions.
For each way a filter files rows (`filters.KeyFilter.index_key`) an index maps every key
to the ascending positions of the rows filed under it; for a range filter, an index of
the rows' values, which is a plain interval of positions when the values fall in list
order (`created`, the usual case: found by bisection) and a sorted run of values
otherwise. Indexes are built on the first request that needs them and kept, since the
data set never changes; `page` then walks the smallest candidate set from the cursor,
testing membership in the others, and stops after `limit + 1` rows.

What a page is, is the reference path's definition in `api.py` (every row tested, then
cut at the cursor): the first `limit` matching positions after `starting_after`, the
last `limit` before `ending_before`, `has_more` when more match on that side.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from heapq import merge
from typing import TypeVar

from stripe_dbapi.sandbox.data import Collection
from stripe_dbapi.sandbox.filters import Filter, KeyFilter, Range

_T = TypeVar("_T")
_MAX_UNIONS = 4096  # cached multi-key selections per collection, before starting afresh


class _Positions:
    """Ascending positions, with a set for membership tests built when first needed."""

    __slots__ = ("_set", "items")

    def __init__(self, items: Sequence[int]) -> None:
        self.items = items
        self._set: frozenset[int] | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, position: object) -> bool:
        if self._set is None:
            self._set = frozenset(self.items)
        return position in self._set


class _RangeIndex:
    """A range filter's index: bisection over values in list order, or over sorted pairs."""

    def __init__(self, values: list[int | None]) -> None:
        present = [v for v in values if v is not None]
        self.in_order = len(present) == len(values) and all(
            a >= b for a, b in zip(present, present[1:], strict=False)
        )
        if self.in_order:
            self._negated = [-v for v in present]  # ascending, for bisect
        else:
            pairs = sorted((v, i) for i, v in enumerate(values) if v is not None)
            self._values = [v for v, _ in pairs]
            self._positions = [i for _, i in pairs]

    def select(self, lo: int | None, hi: int | None) -> range | _Positions:
        if self.in_order:
            start = 0 if hi is None else bisect_left(self._negated, -hi)
            stop = len(self._negated) if lo is None else bisect_right(self._negated, -lo)
            return range(start, max(start, stop))
        a = 0 if lo is None else bisect_left(self._values, lo)
        b = len(self._values) if hi is None else bisect_right(self._values, hi)
        return _Positions(sorted(self._positions[a:b]))


class CollectionIndex:
    """Every index of one collection, each built on first use."""

    def __init__(self, coll: Collection) -> None:
        self.coll = coll
        self._keys: dict[Hashable, dict[Hashable, list[int]]] = {}
        self._ranges: dict[Hashable, _RangeIndex] = {}
        self._unions: dict[tuple[Hashable, frozenset[Hashable]], _Positions] = {}
        self._lock = threading.Lock()

    def candidates(self, f: Filter) -> range | _Positions:
        """The positions of the rows `f` keeps."""
        if isinstance(f, Range):
            return self._range_index(f).select(f.lo, f.hi)
        by_key = self._key_index(f)
        wanted = f.wanted_keys()
        keys = (
            frozenset(k for k in wanted if k in by_key)
            if wanted is not None
            else frozenset(k for k in by_key if f.accepts(k))
        )
        if len(keys) == 1:
            return _Positions(by_key[next(iter(keys))])
        cache_key = (f.index_key(), keys)
        hit = self._unions.get(cache_key)
        if hit is None:
            runs = [by_key[k] for k in keys]
            # A row filed under two accepted keys (a subscription with two prices) counts once.
            hit = _Positions(_unique(merge(*runs)))
            if len(self._unions) >= _MAX_UNIONS:
                self._unions.clear()
            self._unions[cache_key] = hit
        return hit

    def _key_index(self, f: KeyFilter) -> dict[Hashable, list[int]]:
        def build() -> dict[Hashable, list[int]]:
            built: dict[Hashable, list[int]] = {}
            for i, row in enumerate(self.coll.rows):
                for k in set(f.keys_of(row)):
                    built.setdefault(k, []).append(i)
            return built

        return self._once(self._keys, f.index_key(), build)

    def _range_index(self, f: Range) -> _RangeIndex:
        return self._once(
            self._ranges,
            f.index_key(),
            lambda: _RangeIndex([f.value_of(r) for r in self.coll.rows]),
        )

    def _once(self, cache: dict[Hashable, _T], key: Hashable, build: Callable[[], _T]) -> _T:
        """`cache[key]`, built by one thread only (a build scans the whole collection)."""
        found = cache.get(key)
        if found is None:
            with self._lock:
                found = cache.get(key)
                if found is None:
                    found = cache[key] = build()
        return found


def _unique(ascending: Iterable[int]) -> list[int]:
    out: list[int] = []
    for p in ascending:
        if not out or p != out[-1]:
            out.append(p)
    return out


def page(
    index: CollectionIndex,
    filters: list[Filter],
    limit: int | None,
    after: int | None = None,
    before: int | None = None,
) -> tuple[list[int], bool]:
    """The positions of one page and `has_more`; `limit` None: every matching row."""
    n = len(index.coll.rows)
    span = range(n)
    sets: list[_Positions] = []
    for f in filters:
        c = index.candidates(f)
        if isinstance(c, range):
            start = max(span.start, c.start)
            span = range(start, max(start, min(span.stop, c.stop)))
        else:
            sets.append(c)
    sets.sort(key=len)
    if sets:
        driver: Sequence[int] = sets[0].items
        lo = bisect_left(driver, span.start)
        hi = bisect_left(driver, span.stop)
        others = sets[1:]
    else:
        driver, lo, hi, others = span, 0, len(span), []
    want = None if limit is None else limit + 1
    found: list[int] = []
    if before is not None:
        i = bisect_left(driver, before, lo, hi) - 1
        while i >= lo and (want is None or len(found) < want):
            p = driver[i]
            if all(p in s for s in others):
                found.append(p)
            i -= 1
        more = want is not None and len(found) == want
        return found[: limit if limit is not None else None][::-1], more
    i = lo if after is None else bisect_right(driver, after, lo, hi)
    while i < hi and (want is None or len(found) < want):
        p = driver[i]
        if all(p in s for s in others):
            found.append(p)
        i += 1
    more = want is not None and len(found) == want
    return found[:limit], more
