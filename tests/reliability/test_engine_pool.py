"""The engine's pool of DuckDB connections under the garbage collector."""

from __future__ import annotations

import gc
import threading

import stripe_dbapi


def test_a_dropped_cursors_finalizer_may_run_while_the_pool_lock_is_held():
    # A cursor dropped without close() gives its DuckDB connection back from a finalizer.
    # The collector runs finalizers at any allocation, so also inside Engine.session()
    # while it holds the pool's lock (the hypothesis suite over literals hung there).
    conn = stripe_dbapi.connect("Sandbox=true;SandboxScale=0.01")
    dropped = conn.cursor()
    dropped.cycle = dropped  # type: ignore[attr-defined]  # only the collector frees it
    del dropped
    outcome: list[str] = []

    def collect_under_the_lock() -> None:
        with conn.engine._lock:  # as session() holds it when an allocation collects
            gc.collect()
            outcome.append("collected")

    worker = threading.Thread(target=collect_under_the_lock, daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "a finalizer deadlocked on the engine's pool lock"
    assert outcome == ["collected"]
    assert conn.cursor().execute("SELECT 1").fetchall() == [(1,)]
    conn.close()
