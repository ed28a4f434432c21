"""The analysis kept per exact text and parameters (query/memo.py) changes no plan.

Every golden case plans to the same Plan (requests, exactness record, engine SQL) without
the memo, on a first run that fills it and on a second that reads it. What the memo
keeps depends on no clock (a `now()` bound moves with the plan's time) and never on
parameters it cannot tell apart.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from test_golden import CASES, NOW, Case

import stripe_dbapi
from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.lockdown import scalar_functions
from stripe_dbapi.query import analysis, memo
from stripe_dbapi.query.planner import plan_query

CATALOG = load_catalog()


def _plan(sql: str, params: Any = None, *, now: float = NOW, use_search: bool = False) -> Any:
    try:
        return plan_query(
            sql, CATALOG, params, use_search=use_search, scalars=scalar_functions(), now=now
        )
    except stripe_dbapi.Error as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture()
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each query text `analysis.analyse` really ran for, with the memo emptied first."""
    memo.forget()
    ran: list[str] = []
    real = analysis.analyse

    def counted(tree: Any, *args: Any) -> Any:
        ran.append(tree.sql())
        return real(tree, *args)

    monkeypatch.setattr(analysis, "analyse", counted)
    yield ran
    memo.forget()


def test_every_golden_case_plans_the_same_with_the_memo(
    analyses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def plans(case: Case) -> Any:
        return _plan(case.sql, case.params, use_search=case.use_search)

    pairs = []
    for case in CASES:
        first = plans(case)  # fills the memo
        before = len(analyses)
        pairs.append((first, plans(case)))  # reads it: no analysis runs
        # An error (an unknown column, found by the analysis) is not kept: it is raised anew.
        kept = memo.params_key(case.params) is not None and not isinstance(first, str)
        assert len(analyses) == before or not kept, case.name
    assert len(analyses) > 100
    monkeypatch.setattr(memo, "params_key", lambda params: None)
    without = [plans(c) for c in CASES]
    for case, (a, b), c in zip(CASES, pairs, without):
        assert a == b == c, f"{case.file.name}: {case.name}"


def test_a_repeated_query_is_analysed_once(analyses: list[str]) -> None:
    sql = "SELECT * FROM charges WHERE customer = ?"
    one, two = _plan(sql, ["cus_1"]), _plan(sql, ["cus_1"])
    assert one == two
    assert len(analyses) == 1
    other = _plan(sql, ["cus_2"])
    assert len(analyses) == 2
    assert [c.describe() for c in other.scans[0].calls] != [
        c.describe() for c in one.scans[0].calls
    ]
    assert "cus_2" in other.sql and "cus_1" not in other.sql


def test_a_now_bound_moves_with_the_plan_time(analyses: list[str]) -> None:
    sql = "SELECT id FROM charges WHERE created >= now() - INTERVAL 1 DAY"
    early, late = _plan(sql, now=NOW), _plan(sql, now=NOW + 3600)
    assert len(analyses) == 1  # the analysis is kept, the bound is not
    assert early.scans[0].calls[0].describe() != late.scans[0].calls[0].describe()
    assert early.scans[0].calls[0].describe() == _plan(sql, now=NOW).scans[0].calls[0].describe()


@pytest.mark.parametrize(
    "a, b",
    [
        (1, 1.0),
        (1, True),
        (0.0, -0.0),
        (Decimal("1.0"), Decimal("1.00")),
        ("1", 1),
        (
            dt.datetime(2026, 1, 1, 1, tzinfo=dt.timezone.utc),
            dt.datetime(2026, 1, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        ),
        (dt.datetime(2026, 1, 1), dt.date(2026, 1, 1)),
    ],
)
def test_parameters_that_compare_equal_are_kept_apart(analyses: list[str], a: Any, b: Any) -> None:
    sql = "SELECT id FROM charges WHERE amount = ? OR created = ?"
    assert memo.params_key([a, a]) != memo.params_key([b, b])
    _plan(sql, [a, a])
    _plan(sql, [b, b])
    assert len(analyses) == 2


def test_values_it_cannot_tell_apart_are_analysed_every_time(analyses: list[str]) -> None:
    class Text(str):
        pass

    sql = "SELECT id FROM customers WHERE email = ?"
    for params in ([Text("a@example.com")], [Text("a@example.com")], [["x"]], [["x"]]):
        _plan(sql, params)
    assert len(analyses) == 4
    assert memo.params_key({1: "x"}) is None
    assert memo.params_key([object()]) is None


def test_named_parameters_are_keyed_by_name(analyses: list[str]) -> None:
    sql = "SELECT id FROM charges WHERE customer = :a AND currency = :b"
    one = _plan(sql, {"a": "cus_1", "b": "eur"})
    two = _plan(sql, {"b": "eur", "a": "cus_1"})
    swapped = _plan(sql, {"a": "eur", "b": "cus_1"})
    assert one == two and one != swapped
    assert len(analyses) == 2


def test_the_memo_is_bounded(analyses: list[str]) -> None:
    for n in range(memo.KEPT + 10):
        _plan("SELECT id FROM charges WHERE customer = ?", [f"cus_{n}"])
    assert len(memo._kept) == memo.KEPT
    _plan("SELECT id FROM charges WHERE customer = ?", ["cus_0"])  # pushed out: analysed anew
    assert len(analyses) == memo.KEPT + 11


def test_a_plan_that_never_read_the_clock_is_kept_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    memo.forget()
    from stripe_dbapi.query import planner

    parsed: list[str] = []
    real = planner._plan

    def counted(sql: Any, *args: Any) -> Any:
        parsed.append(sql)
        return real(sql, *args)

    monkeypatch.setattr(planner, "_plan", counted)
    sql = "SELECT * FROM charges WHERE customer = ?"
    one = _plan(sql, ["cus_1"])
    assert _plan(sql, ["cus_1"]) is one  # frozen values only: shared, not copied
    assert _plan(sql, ["cus_1"], now=NOW + 86400) is one  # the clock was not read
    assert len(parsed) == 1
    # The settings that shape a plan are part of its key.
    searched = _plan(sql, ["cus_1"], use_search=True)
    reference = plan_query(sql, CATALOG, ["cus_1"], pushdown=False, scalars=scalar_functions())
    assert len(parsed) == 3
    assert searched is not one and reference is not one
    assert [c.describe() for c in reference.scans[0].calls] != [
        c.describe() for c in one.scans[0].calls
    ]
    # So are the engine's scalar functions (they decide what runs page by page).
    plan_query(sql, CATALOG, ["cus_1"], scalars=frozenset())
    assert len(parsed) == 4
    memo.forget()
    assert _plan(sql, ["cus_1"]) is not one
    assert len(parsed) == 5


def test_a_plan_that_read_the_clock_is_never_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    memo.forget()
    for sql in (
        "SELECT id FROM charges WHERE created >= now() - INTERVAL 1 DAY",
        "SELECT id FROM charges WHERE created >= current_date",
    ):
        early = _plan(sql, now=NOW)
        assert _plan(sql, now=NOW) is not early
        late = _plan(sql, now=NOW + 86400)
        assert early.scans[0].calls[0].describe() != late.scans[0].calls[0].describe()
    assert memo._plans == {}
    memo.forget()


def test_an_error_is_never_kept() -> None:
    memo.forget()
    sql = "SELECT nope FROM charges WHERE customer = ?"
    assert _plan(sql, ["cus_1"]).startswith("ProgrammingError")
    assert memo._plans == {}
    memo.forget()


def test_kept_plans_are_bounded() -> None:
    memo.forget()
    for n in range(memo.KEPT + 10):
        _plan("SELECT id FROM charges WHERE customer = ?", [f"cus_{n}"])
    assert len(memo._plans) == memo.KEPT
    memo.forget()
