"""The scan layer's one worker pool: tasks that yield pages, or spawn more tasks.

Several calls of one scan (IN lists, id look-ups, fan-out over parents, time slices) run
concurrently, at most `concurrency` at a time; their pages meet in a small bounded queue,
so memory stays bounded by pages in flight. The first failure stops everything and is
raised to the consumer; closing the consumer stops the workers after their current request.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from stripe_dbapi._typing import Rows
from stripe_dbapi.exceptions import Error, InternalError
from stripe_dbapi.query.plan import Call

CallPage = tuple[Call, Rows]  # a page of rows and the call they came from (its filled values)


@dataclass(frozen=True)
class Spawn:
    """Work a task hands back to the pool: more tasks to run concurrently."""

    tasks: tuple[Task, ...]


Item = CallPage | Spawn
Task = Callable[[], Iterator[Item]]

_DONE = object()


class Capacity:
    """How much of a pool is free: workers waiting for work, less the tasks already
    waiting for a worker. A task that can split itself (a sliced scan) asks before it
    does: a split no worker is free to read gains no time and costs requests.

    Before the pool starts (its first task runs in the caller) every other worker is free.
    Read without a lock: an estimate, never a promise.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._waiting = self.workers - 1
        self._pending = 0

    def free(self) -> int:
        return max(0, self._waiting - self._pending)

    def _update(self, waiting: int, pending: int) -> None:
        self._waiting, self._pending = waiting, pending


def run(
    tasks: Sequence[Task], concurrency: int, capacity: Capacity | None = None
) -> Iterator[CallPage]:
    """Pages of every task, several tasks at a time, in arrival order.

    One task runs as a plain loop in the caller (no thread, no reordering) until it
    spawns more work. Otherwise `concurrency` worker threads take tasks from a shared
    stack (newest first: a split's pieces and a page's child calls run before older
    work) and put pages on a bounded queue, so memory stays bounded by pages in flight. A
    task may hand back more tasks (a Spawn). The first failure stops everything and is
    raised to the consumer. Closing the generator (the engine has enough rows) stops the
    workers after their current request. `capacity` is kept up to date for the tasks.
    """
    if not tasks:
        return
    if len(tasks) > 1:
        yield from _pool(list(tasks), concurrency, capacity)
        return
    items = tasks[0]()
    handed_over = False
    try:
        for item in items:
            if isinstance(item, Spawn):
                # The rest of this task continues on a worker, beside what it spawned.
                handed_over = True
                yield from _pool([lambda: items, *item.tasks], concurrency, capacity)
                return
            yield item
    finally:
        if not handed_over:  # a worker may still be running it otherwise
            close_iterator(items)


def _pool(
    tasks: list[Task], concurrency: int, capacity: Capacity | None = None
) -> Iterator[CallPage]:
    """The worker pool of `run`: runs `tasks` (first ones first) and what they spawn."""
    pending: list[Task] = list(reversed(tasks))
    cond = threading.Condition()
    active = 0
    waiting = 0

    def report() -> None:  # under `cond`
        if capacity is not None:
            capacity._update(waiting, len(pending))
    out: queue.Queue[Any] = queue.Queue(maxsize=max(2, concurrency))
    stop = threading.Event()

    def take() -> Task | None:
        nonlocal active, waiting
        with cond:
            while not stop.is_set():
                if pending:
                    active += 1
                    task = pending.pop()
                    report()
                    return task
                if active == 0:
                    return None
                waiting += 1
                report()
                cond.wait(0.1)
                waiting -= 1
                report()
            return None

    def spawn(more: Sequence[Task]) -> None:
        with cond:
            pending.extend(reversed(more))
            report()
            cond.notify_all()

    def done() -> None:
        nonlocal active
        with cond:
            active -= 1
            cond.notify_all()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            while not stop.is_set():
                task = take()
                if task is None:
                    break
                try:
                    for item in task():
                        if isinstance(item, Spawn):
                            spawn(item.tasks)
                        elif not put(item):
                            return
                finally:
                    done()
        except BaseException as exc:  # handed to the consumer, which raises it
            stop.set()
            _force_put(out, exc)
        finally:
            put(_DONE)  # after a failure the consumer raises without waiting for it

    workers = [threading.Thread(target=work, daemon=True) for _ in range(max(1, concurrency))]
    for w in workers:
        w.start()
    finished = 0
    try:
        while finished < len(workers):
            item = out.get()
            if item is _DONE:
                finished += 1
            elif isinstance(item, BaseException):
                if isinstance(item, Error):
                    raise item
                raise InternalError(f"A Stripe scan failed unexpectedly: {item!r}") from item
            else:
                yield item
    finally:
        stop.set()


def _force_put(out: queue.Queue[Any], item: Any) -> None:
    """Put a failure even when the queue is full: pages of a failed scan may be dropped."""
    while True:
        try:
            out.put(item, timeout=0.1)
            return
        except queue.Full:
            with contextlib.suppress(queue.Empty):
                out.get_nowait()


def close_iterator(iterator: Iterator[Any]) -> None:
    """Stop a generator early (its `finally` runs); a plain iterator needs nothing."""
    close = getattr(iterator, "close", None)
    if close is not None:
        close()
