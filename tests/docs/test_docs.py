"""The documentation's claims and samples, run: what a page says a query returns, it returns.

Samples are read from the pages themselves (the README's first command, the error example
of docs/errors.md), so a page edited out of step with the driver fails here.
"""

from __future__ import annotations

import re
import shlex
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

import stripe_dbapi
from stripe_dbapi.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
_ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "jpy",
    "kmf",
    "krw",
    "mga",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
    "xpf",
}  # Stripe's zero-decimal currencies
_THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}


def code_blocks(page: str, language: str) -> list[str]:
    """The fenced blocks of one language in a page, in order."""
    text = (ROOT / page).read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def readme_query() -> str:
    """The SQL of the README's first command (`stripe-dbapi query --sandbox "…"`)."""
    words = shlex.split(code_blocks("README.md", "sh")[0])
    return words[words.index("--sandbox") + 1]


def _major_units(currency: str, minor: int) -> float:
    return minor / (1 if currency in _ZERO_DECIMAL else 1000 if currency in _THREE_DECIMAL else 100)


def test_the_readme_first_query_is_net_revenue_per_currency(conn: stripe_dbapi.Connection) -> None:
    cur = conn.cursor()
    got = {row[0]: row[1:] for row in cur.execute(readme_query()).fetchall()}
    cur.execute(
        "SELECT currency, status, amount_captured, amount_refunded FROM charges "
        "WHERE created >= '2026-06-01'"
    )
    count: dict[str, int] = defaultdict(int)
    net: dict[str, int] = defaultdict(int)
    for currency, status, captured, refunded in cur.fetchall():
        if status == "succeeded":
            count[currency] += 1
            net[currency] += captured - refunded
    assert len(got) >= 2  # the sandbox has more than one currency: they are not mixed
    assert got == {c: (count[c], pytest.approx(_major_units(c, net[c]))) for c in count}


def test_the_readme_query_divides_by_each_currency_s_minor_unit(
    conn: stripe_dbapi.Connection,
) -> None:
    # The sandbox has usd and eur only: the same query over a CTE named `charges` (which
    # takes the table's place) checks the zero- and three-decimal branches.
    rows = (
        "('jpy', 'succeeded', 5000, 0), ('jpy', 'failed', 7000, 0), ('kwd', 'succeeded', 1500, 0),"
        " ('usd', 'succeeded', 1000, 250), ('usd', 'succeeded', 99, 99)"
    )
    sql = readme_query().replace(
        "FROM charges",
        "FROM (SELECT *, TIMESTAMPTZ '2026-07-01' AS created FROM (VALUES "
        f"{rows}) AS v(currency, status, amount_captured, amount_refunded)) AS charges",
    )
    got = {r[0]: r[1:] for r in conn.cursor().execute(sql).fetchall()}
    assert got == {"jpy": (1, 5000), "kwd": (1, 1.5), "usd": (2, 7.5)}


def test_the_error_example_of_errors_md_runs_as_written() -> None:
    (sample,) = [b for b in code_blocks("docs/errors.md", "python") if "http_status" in b]
    seen: dict[str, Any] = {}
    # Each `exc.attr  # value` line records its value, to compare with the comment.
    lines = []
    for line in sample.splitlines():
        m = re.match(r"^(\s+)(exc\.\w+|str\(exc\))\s+#", line)
        lines.append(f"{m[1]}seen[{m[2]!r}] = {m[2]}" if m else line)
    exec("\n".join(lines), {"seen": seen})  # noqa: S102 - the page's own sample
    assert seen["exc.http_status"] == 401
    assert seen["exc.code"] == "invalid_request_error"
    assert seen["exc.request_id"].startswith("req_")
    text = seen["str(exc)"]
    assert text.startswith("Connection unavailable: the credentials were rejected by Stripe")
    assert "answered 401 to GET /v1/account" in text and "sk_live_************cdef" in text


def test_a_missing_parent_is_no_rows_as_errors_md_says(conn: stripe_dbapi.Connection) -> None:
    cur = conn.cursor()
    assert cur.execute("SELECT * FROM invoices_lines WHERE invoice = 'in_nope'").fetchall() == []


@pytest.fixture(scope="module")
def engine(sandbox: SandboxServer) -> Any:
    eng = create_engine(f"stripe:///?ApiBase={sandbox.url}&LiveAPIKey=sk_test_sandbox_0000000000")
    yield eng
    eng.dispose()


_DTYPES = """
SELECT created, amount, count(*) OVER () AS n, sum(amount) OVER () AS total,
       CASE WHEN amount > 50000 THEN amount END AS some_null,
       application_fee_amount AS all_null, paid, id, metadata,
       avg(amount) OVER () AS mean, CAST(amount AS DECIMAL(38, 12)) AS dec
FROM charges WHERE application_fee_amount IS NULL LIMIT 300
"""


def test_the_pandas_dtype_table_of_pandas_md(engine: Engine) -> None:
    df = pd.read_sql(_DTYPES, engine)
    old_pandas = tuple(int(p) for p in pd.__version__.split(".")[:2]) < (2, 2)
    dtypes = {name: str(dtype) for name, dtype in df.dtypes.items()}
    assert dtypes["created"] == ("datetime64[ns, UTC]" if old_pandas else "datetime64[us, UTC]")
    assert dtypes["amount"] == dtypes["n"] == dtypes["total"] == "int64"
    assert dtypes["some_null"] == "float64" and df["some_null"].isna().any()
    assert dtypes["all_null"] == "object" and df["all_null"].isna().all()
    assert dtypes["paid"] == "bool"
    pandas_3 = int(pd.__version__.split(".")[0]) >= 3
    assert dtypes["id"] == dtypes["metadata"] == ("str" if pandas_3 else "object")
    assert dtypes["mean"] == dtypes["dec"] == "float64"

    nullable = pd.read_sql(_DTYPES, engine, dtype_backend="numpy_nullable")
    assert str(nullable["some_null"].dtype) == "Int64"
    assert str(nullable["all_null"].dtype) == "string"
    assert str(nullable["paid"].dtype) == "boolean"
    exact = pd.read_sql(_DTYPES, engine, coerce_float=False)
    assert isinstance(exact["dec"][0], Decimal)
