"""One Cursor's DuckDB connection, stoppable from any thread, speaking PEP 249 only.

A query's time limit (QueryTimeout), close() from another thread and Ctrl-C all end in
`Session.interrupt`, which records why and calls DuckDB's interrupt(); the call that was
running then raises the error for that reason instead of DuckDB's own. `translate` maps
every DuckDB error to the PEP 249 class a user expects (docs/architecture.md, principle 7).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from stripe_dbapi.exceptions import (
    DataError,
    Error,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from stripe_dbapi.lockdown import REFUSED

if TYPE_CHECKING:
    from stripe_dbapi.engine import Engine

GRACE = 2.0  # seconds close() and Ctrl-C wait for a call to stop before going on without it


class Session:
    """One Cursor's DuckDB connection: one call at a time, stoppable from any thread.

    A query's time limit, close() from another thread and Ctrl-C all end in `interrupt`,
    which records why and calls DuckDB's interrupt(); the call that was running then
    raises the error for that reason (QueryTimeout, closed) instead of DuckDB's own.
    """

    def __init__(self, engine: Engine, con: duckdb.DuckDBPyConnection) -> None:
        self.engine = engine
        self.con = con
        self._busy = threading.Lock()  # held while a DuckDB call runs
        self._state = threading.Lock()
        self._closed = False
        self._released = False
        self._reason: str | None = None  # "timeout", "closed" or "interrupt"
        self._timeout: float | None = None
        self._deadline: float | None = None
        self._timer: threading.Timer | None = None
        # A result registered scans it has not unregistered yet (see Engine.release).
        self.views_left = False

    # -- the time limit -------------------------------------------------------------------

    def begin(self, timeout: float | None) -> None:
        """Start a query: a fresh time limit, the last query's interruption forgotten."""
        self.end()
        with self._state:
            if self._closed:
                raise InterfaceError("The cursor is closed.")
            self._reason = None
            self._timeout = timeout
            self._deadline = None if timeout is None else time.monotonic() + timeout
            if timeout is not None:
                self._timer = threading.Timer(timeout, self.interrupt, ("timeout",))
                self._timer.daemon = True
                self._timer.start()

    def end(self) -> None:
        """The query is over: its timer stops."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def check(self) -> None:
        """Raise the error of an interrupted or overdue query (called between pages)."""
        overdue = self._deadline is not None and time.monotonic() >= self._deadline
        if self._reason is None and overdue:
            self._reason = "timeout"
        if self._reason is not None:
            raise self.stopped()

    def stopped(self) -> Error:
        """The error a query stopped for `self._reason` ends with."""
        if self._reason == "timeout":
            return OperationalError(f"The query ran longer than QueryTimeout={self._timeout:g} s.")
        if self._reason == "closed":
            return InterfaceError("The cursor was closed while its query ran.")
        return OperationalError("The query was interrupted.")

    def interrupt(self, reason: str) -> None:
        """Stop what runs on this connection, from any thread; the first reason wins."""
        with self._state:
            if self._reason is None:
                self._reason = reason
            if self._released:
                return
            with contextlib.suppress(duckdb.Error, RuntimeError):
                self.con.interrupt()

    # -- calls ----------------------------------------------------------------------------

    def call(self, fn: Callable[[], Any], failures: list[BaseException] | None = None) -> Any:
        """Run one DuckDB call; nothing but PEP 249 errors (and KeyboardInterrupt,
        SystemExit) comes out. `failures` are the scans' own exceptions: DuckDB re-raises
        them as its own errors, and the original is what the user should see."""
        self.check()
        if self._closed:
            raise InterfaceError("The cursor is closed.")
        if threading.current_thread() is threading.main_thread():
            return self._in_worker(fn, failures)
        return self._run(fn, failures)

    def _in_worker(self, fn: Callable[[], Any], failures: list[BaseException] | None) -> Any:
        """Run `fn` in a worker thread while the main thread waits where Ctrl-C reaches it.

        A signal is only handled in the main thread, between Python instructions; inside a
        long DuckDB call it would wait for the call to end. Waiting on an Event instead,
        the main thread gets the KeyboardInterrupt at once, interrupts DuckDB, and lets the
        KeyboardInterrupt go on unchanged.
        """
        box: dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                box["value"] = self._run(fn, failures)
            except BaseException as exc:  # handed to the waiting thread
                box["error"] = exc

        _hand_over(work, done)
        try:
            # Short waits: a signal that did not wake the wait itself (Windows, or
            # `_thread.interrupt_main`) is still handled within 50 ms.
            while not done.wait(0.05):
                pass
        except BaseException:
            self.interrupt("interrupt")
            done.wait(GRACE)
            raise
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _run(self, fn: Callable[[], Any], failures: list[BaseException] | None) -> Any:
        with self._busy:
            try:
                return fn()
            except (Error, StopIteration):  # StopIteration: the end of a reader
                raise
            except Exception as exc:
                raise self._translate(exc, failures or []) from None
            finally:
                if self._closed:
                    self._release()

    def _translate(self, exc: Exception, failures: list[BaseException]) -> BaseException:
        """The PEP 249 error (or the scan's KeyboardInterrupt/SystemExit) for `exc`."""
        if failures:
            failure = failures[0]
            if isinstance(failure, Error) or not isinstance(failure, Exception):
                return failure
            return OperationalError(f"Fetching from Stripe failed: {failure!r}")
        if self._reason is not None:
            return self.stopped()
        if isinstance(exc, duckdb.Error):
            return translate(exc)
        if isinstance(exc, (pa.ArrowException, OSError)):
            # A failing stream surfaces as DuckDB's error while the query runs, but as
            # Arrow's (an OSError) once DuckDB hands rows over through the Arrow reader.
            return InternalError(f"The engine failed reading a result: {exc}")
        return InternalError(
            f"The engine failed ({type(exc).__name__}: {exc}); please report it with the query."
        )

    def quietly(self, fn: Callable[[], Any]) -> None:
        """Run a clean-up call if the connection is free within GRACE; never raise."""
        if self._released or not self._busy.acquire(timeout=GRACE):
            return
        try:
            with contextlib.suppress(duckdb.Error, pa.ArrowException, OSError, RuntimeError):
                fn()
        finally:
            self._busy.release()

    # -- the end --------------------------------------------------------------------------

    def close(self) -> None:
        """Interrupt what runs and give the connection back; a second close does nothing."""
        with self._state:
            if self._closed:
                return
            self._closed = True
        self.end()
        self.interrupt("closed")
        if self._busy.acquire(timeout=GRACE):
            try:
                self._release()
            finally:
                self._busy.release()
        # Otherwise the running call releases the connection when it returns (`_run`).

    def _release(self) -> None:
        with self._state:
            if self._released:
                return
            self._released = True
        self.engine.release(self.con, self.views_left)


IDLE_WORKERS = 2  # engine-call threads kept waiting for the next call, per process


class _Worker:
    """A thread that runs engine calls handed over by the main thread, one at a time.

    Starting a thread costs about 0.1 ms, a hand-over to a waiting one a fifth of that;
    a small query makes one engine call, a streamed result one per batch. After a call
    the thread waits for the next one, unless IDLE_WORKERS already wait. A call that did
    not stop (one that ignored an interrupt) keeps its thread: the next call gets another.
    """

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[tuple[Callable[[], None], threading.Event]] = (
            queue.SimpleQueue()
        )
        threading.Thread(target=self._loop, name="stripe_dbapi-engine", daemon=True).start()

    def _loop(self) -> None:
        while self._one(*self.jobs.get()):
            pass  # nothing of the last call (its closure, its result) is kept meanwhile

    def _one(self, job: Callable[[], None], done: threading.Event) -> bool:
        """Run one job; True when this thread waits for the next one."""
        try:
            job()  # it catches what it raises (Session._in_worker)
        finally:
            # Back among the waiting before the caller is told: its next call finds it.
            with _idle_lock:
                keep = len(_idle) < IDLE_WORKERS
                if keep:
                    _idle.append(self)
            done.set()
        return keep


_idle: list[_Worker] = []
_idle_lock = threading.Lock()


def _hand_over(job: Callable[[], None], done: threading.Event) -> None:
    """Run `job` on a waiting worker thread, or on a new one; `done` is set after it."""
    with _idle_lock:
        worker = _idle.pop() if _idle else None
    (worker or _Worker()).jobs.put((job, done))


def _forget_workers() -> None:
    # A forked child has none of its parent's threads: their queues would never be read.
    global _idle_lock
    _idle_lock = threading.Lock()
    _idle.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


def close_quietly(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error, RuntimeError):
        con.close()


def translate(exc: duckdb.Error) -> Error:
    """A DuckDB error as the PEP 249 class a user expects, with DuckDB's first line."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, duckdb.CatalogException) and "exists in the" in first:
        # Extensions are never installed or loaded: their functions are not available.
        return NotSupportedError(f"{REFUSED}{first}")
    if isinstance(exc, (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException)):
        return ProgrammingError(first)
    if isinstance(exc, duckdb.PermissionException):
        return NotSupportedError(f"{REFUSED}{first}")
    if isinstance(
        exc,
        (
            duckdb.ConversionException,
            duckdb.OutOfRangeException,
            duckdb.InvalidInputException,
            duckdb.TypeMismatchException,
        ),
    ):
        return DataError(first)
    if isinstance(exc, duckdb.NotImplementedException):
        return NotSupportedError(first)
    if isinstance(exc, duckdb.InterruptException):
        return OperationalError("The query was interrupted.")
    return ProgrammingError(first) if "Error" in first.split(":")[0] else InternalError(first)
