"""The source of a keyed join, shared by its own stream and the keyed scan's decision
(scan/keyed.py): every page reaches the engine once, in order, whichever reads first; the
decision stops at the first key too many; nothing stays kept once both have read it."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from stripe_dbapi.scan.keyed import _Held


def _pages(*keys: list[str | None]) -> Iterator[pa.RecordBatch]:
    for n, page in enumerate(keys):
        yield pa.record_batch({"id": [f"ch_{n}_{i}" for i in range(len(page))], "Customer": page})


def _ids(batches: Iterator[pa.RecordBatch]) -> list[str]:
    return [i for b in batches for i in b.column(0).to_pylist()]


PAGES = (["a", None, "b"], ["b", "c"], [None])
ALL_IDS = ["ch_0_0", "ch_0_1", "ch_0_2", "ch_1_0", "ch_1_1", "ch_2_0"]


def test_the_decision_first_then_the_stream() -> None:
    held = _Held(_pages(*PAGES), lambda: None)
    assert held.keys("customer", 3) == ["a", "b", "c"]
    assert _ids(held.replay()) == ALL_IDS
    assert held._kept == {}


def test_the_stream_first_then_the_decision() -> None:
    held = _Held(_pages(*PAGES), lambda: None)
    assert _ids(held.replay()) == ALL_IDS
    assert held.keys("customer", 3) == ["a", "b", "c"]
    assert held._kept == {}


def test_too_many_keys_stop_the_decision_and_the_stream_reads_on() -> None:
    pulled: list[int] = []

    def source() -> Iterator[pa.RecordBatch]:
        for n, batch in enumerate(_pages(*PAGES)):
            pulled.append(n)
            yield batch

    held = _Held(source(), lambda: None)
    assert held.keys("customer", 1) is None
    assert pulled == [0]  # one page showed two keys: the rest is not read for the decision
    stream = held.replay()
    assert _ids([next(stream)]) == ["ch_0_0", "ch_0_1", "ch_0_2"]
    assert held._kept == {}
    assert _ids(stream) == ALL_IDS[3:]
    assert held._kept == {}


def test_a_failure_reaches_both_readers() -> None:
    def source() -> Iterator[pa.RecordBatch]:
        yield from _pages(["a"])
        raise RuntimeError("page 2 failed")

    held = _Held(source(), lambda: None)
    for read in (lambda: held.keys("customer", 5), lambda: list(held.replay())):
        try:
            read()
        except RuntimeError as exc:
            assert "page 2" in str(exc)
        else:
            raise AssertionError("the failure was swallowed")
