"""Parallel `created`-range scans: one list call split into time slices fetched at once.

Stripe lists newest first and has no oldest-first order, so a scan cannot learn where its
data starts without reading it. The scheme:

1. The first request is the unsliced call's first page, exactly what a sequential scan
   sends. Fewer than a full page means it was the only page: done in one request.
2. Otherwise the page's oldest row (created `o`, id `last`) splits what is left, the
   half-open range `[lo, o + 1)` (`lo` is the query's lower bound, or 0), into pieces
   walking back from `o`: the first pieces hold about `ROWS_PER_PIECE` rows at the page's
   density, each next piece is `GROWTH` times wider (older data is usually sparser, and
   growth keeps a span of years to a few dozen pieces), and the last piece reaches `lo`.
   The newest piece resumes with `starting_after=last`, so the rest of second `o` is read
   exactly once; the others send `created[gte]=a&created[lt]=b`.
3. Each piece pages on with its cursor and judges every page by the same rule: a full
   page whose oldest row is far above the piece's lower bound (more than `SPLIT_PAGES`
   pages left at the page's density) splits what is left again. A page must be strictly
   newest-first (first row newer than its last) to split, so a server that lists oldest
   first is read sequentially, as before.

What a split costs is requests: every piece ends in a page that is not full, and a piece
of a span without data (the years before an account's first charge) is one request that
returns nothing. So a piece splits only for workers that are free (pool.Capacity): the
first page's cut makes a piece for every worker, and later a dense piece hands work to
whichever worker runs dry, when it does; a split no worker is free to read would gain no
time. One scan cuts at most `PIECES_PER_WORKER × workers` pieces in all, so slicing costs
at most that many requests more than a sequential scan. The oldest piece of a cut always
reaches back to `lo`: if it turns out dense it splits itself, and if it is empty it cost
one request, not one per year.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
from collections.abc import Callable, Iterator, Sequence

from stripe_dbapi._typing import Rows
from stripe_dbapi.client import StripeClient
from stripe_dbapi.exceptions import Error, OperationalError
from stripe_dbapi.query.plan import Call
from stripe_dbapi.scan.missing import unless_missing
from stripe_dbapi.scan.pool import Capacity, Item, Spawn, Task
from stripe_dbapi.stripe_api import PAGE_SIZE

logger = logging.getLogger(__name__)

Params = tuple[tuple[str, str], ...]

ROWS_PER_PIECE = 800  # about eight pages per piece before it is looked at again
SPLIT_PAGES = 3  # a piece splits when more than this many pages seem left in it
GROWTH = 1.5
PIECES_PER_WORKER = 1.5  # the scan's budget of pieces, splits included


def range_bounds(params: Sequence[tuple[str, str]], param: str) -> tuple[int, int | None, Params]:
    """The half-open `[lo, hi)` the call's `param` constraints allow, and the other params.

    `lo` is 0 when the call has no lower bound (Stripe objects are never older than the
    epoch); `hi` is None when it has no upper bound.
    """
    lo, hi = 0, None
    rest = []
    for key, value in params:
        op = _op(key, param)
        if op is None:
            rest.append((key, value))
            continue
        n = int(value)
        if op in ("eq", "gte", "gt"):
            lo = max(lo, n + 1 if op == "gt" else n)
        if op in ("eq", "lte", "lt"):
            top = n if op == "lt" else n + 1
            hi = top if hi is None else min(hi, top)
    return lo, hi, tuple(rest)


def _op(key: str, param: str) -> str | None:
    if key == param:
        return "eq"
    if key.startswith(param + "[") and key.endswith("]"):
        return key[len(param) + 1 : -1]
    return None


def slice_params(rest: Params, param: str, lo: int, hi: int | None) -> Params:
    """The call's other params plus `param[gte]=lo&param[lt]=hi` (lo 0 is left out)."""
    extra = []
    if lo > 0:
        extra.append((f"{param}[gte]", str(lo)))
    if hi is not None:
        extra.append((f"{param}[lt]", str(hi)))
    return (*rest, *extra)


def pieces(lo: int, hi: int, density: float, max_pieces: int) -> list[tuple[int, int]]:
    """`[lo, hi)` cut into at most `max_pieces` (at least one) contiguous half-open
    whole-second pieces, newest first.

    The first piece is wide enough for about ROWS_PER_PIECE rows at `density` (rows per
    second), each next one GROWTH times wider; the last one always reaches `lo`.
    """
    if hi <= lo:
        return []
    max_pieces = max(1, max_pieces)
    width = max(1.0, ROWS_PER_PIECE / max(density, 1e-9))
    out: list[tuple[int, int]] = []
    top = hi
    while top > lo and len(out) < max_pieces - 1:
        bottom = max(lo, top - max(1, math.ceil(width)))
        out.append((bottom, top))
        top = bottom
        width *= GROWTH
    if top > lo:
        out.append((lo, top))
    return out


def sliced_pages(
    client: StripeClient,
    call: Call,
    param: str,
    capacity: Capacity,
    sink: Callable[[Rows], Iterator[Item]],
) -> Task:
    """A pool task that scans `call` in parallel `param` slices; pages go through `sink`."""
    lo, hi, rest = range_bounds(call.params, param)
    scan = _Slicing(client, call, param, capacity, sink, rest)

    def first() -> Iterator[Item]:
        pages = unless_missing(client.list_pages(call.path, call.params))
        yield from scan.piece(call.params, None, lo, pages)

    return first


class _Slicing:
    """One sliced scan: the call, its range parameter, and where its pages go."""

    def __init__(
        self,
        client: StripeClient,
        call: Call,
        param: str,
        capacity: Capacity,
        sink: Callable[[Rows], Iterator[Item]],
        rest: Params,
    ) -> None:
        self.client, self.call, self.param = client, call, param
        self.sink, self.rest, self.capacity = sink, rest, capacity
        self.pieces_left = int(PIECES_PER_WORKER * capacity.workers)  # splits included
        self.budget = threading.Lock()
        self.accepted = False  # the server has answered a request carrying slice bounds

    def piece(
        self, params: Params, after: str | None, lo: int, pages: Iterator[Rows]
    ) -> Iterator[Item]:
        """Rows through one piece; split what is left below a dense page."""
        hi = range_bounds(params, self.param)[1]
        try:
            for page in pages:
                _check_range(self.call.path, page, self.param, lo, hi)
                yield from self.sink(page)
                split = _split_point(page, lo, self.param)
                if split is not None:
                    cut = self._cut(lo, split[0] + 1, split[2])
                    if len(cut) > 1:
                        yield from self._split(cut, split[1])
                        return
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()  # a generator: stops paging

    def _cut(self, lo: int, hi: int, density: float) -> list[tuple[int, int]]:
        """`[lo, hi)` cut into one piece more than there are free workers, within the
        scan's budget (one piece: no split); the new pieces are taken from the budget."""
        with self.budget:
            new = min(self.pieces_left, self.capacity.free())
            cut = pieces(lo, hi, density, new + 1)
            self.pieces_left -= len(cut) - 1
        return cut

    def _split(self, cut: list[tuple[int, int]], last: str) -> Iterator[Item]:
        """What is left below a full page, cut into pieces newest first: the rest of its
        oldest second (after the cursor `last`) and everything older; the newest piece is
        read here, the others are handed to the pool."""
        newest = slice_params(self.rest, self.param, *cut[0])
        pages: Iterator[Rows] = self.client.list_pages(self.call.path, newest, starting_after=last)
        if not self.accepted:
            probed = self._probe(pages)
            if probed is None:
                yield from self._sequential(last)
                return
            pages = probed
        tasks = []
        for a, b in cut[1:]:
            params = slice_params(self.rest, self.param, a, b)

            def task(params: Params = params, a: int = a) -> Iterator[Item]:
                pages = self.client.list_pages(self.call.path, params)
                yield from self.piece(params, None, a, pages)

            tasks.append(task)
        if tasks:
            yield Spawn(tuple(tasks))
        yield from self.piece(newest, last, cut[0][0], pages)

    def _probe(self, pages: Iterator[Rows]) -> Iterator[Rows] | None:
        """`pages` with its first request answered, or None when the server rejects the
        slice bounds: they are the driver's own parameters, added only to go faster, so a
        server without them (an emulator) is read in sequence instead of failing."""
        try:
            first = next(pages, None)
        except Error as exc:
            if not _rejects(exc, self.param):
                raise
            logger.warning(
                "GET %s rejects %s ranges (%s); reading it in sequence without slices",
                self.call.path,
                self.param,
                exc.message,
            )
            return None
        self.accepted = True
        return itertools.chain([] if first is None else [first], pages)

    def _sequential(self, last: str) -> Iterator[Item]:
        """The rest of the call as a sequential scan would read it: after `last`."""
        pages = self.client.list_pages(self.call.path, self.call.params, starting_after=last)
        try:
            for page in pages:
                yield from self.sink(page)
        finally:
            pages.close()


def _rejects(exc: Error, param: str) -> bool:
    """True when a 400 names the slice parameter (`Unexpected created`, parameter_unknown)."""
    if exc.http_status != 400:
        return False
    return exc.code in ("parameter_unknown", "parameter_invalid_integer") or (
        param in (exc.message or "")
    )


def _check_range(path: str, page: Rows, param: str, lo: int, hi: int | None) -> None:
    """A row outside the slice means the server ignored the range: slices would repeat rows."""
    for row in page:
        value = row.get(param)
        if isinstance(value, int) and (value < lo or (hi is not None and value >= hi)):
            raise OperationalError(
                f"Stripe's answer to GET {path} holds `{row.get('id')}` outside the requested "
                f"{param} range; stopping rather than returning a repeated list."
            )


def _split_point(page: Rows, lo: int, param: str) -> tuple[int, str, float] | None:
    """(oldest created, last id, rows per second) when what is left below `page` is dense.

    Only a full page whose first row is strictly newer than its last may split: that
    proves the server lists newest first (some emulators list oldest first, and a page
    of one second proves nothing); such a page continues sequentially and the next page
    is judged again.
    """
    if len(page) < PAGE_SIZE:
        return None
    oldest, newest, last = page[-1].get(param), page[0].get(param), page[-1].get("id")
    if not (isinstance(oldest, int) and isinstance(newest, int) and isinstance(last, str)):
        return None
    if newest <= oldest:
        return None
    density = len(page) / (newest - oldest + 1)
    if density * (oldest - lo) <= SPLIT_PAGES * PAGE_SIZE:
        return None
    return oldest, last, density
