"""Runs a Query on Pushdown=true and Pushdown=false connections to one sandbox and says
whether the answers differ.

Answers are compared as multisets of normalized rows (floats to 9 significant digits,
JSON arrays, lists and maps order-free). When the query orders its output, the sequence
of ORDER BY key values must match too (rows tied on the keys may come in any order). A
query with a top-level LIMIT is checked for being *a* correct answer: the reference runs it
without the LIMIT, and the pushed-down rows must be as many as the LIMIT and OFFSET leave,
carry the same key values in the same order, and be rows of the full answer with those
keys. Both sides raising the same PEP 249 class is agreement; one side raising is a
difference.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import stripe_dbapi
from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.exceptions import Error
from stripe_dbapi.sandbox import SandboxServer, start_sandbox

from .queries import DUCKDB_AGGREGATES, Context, Query, read_samples

SEED = 7
SCALE = 0.05  # 50 customers, 250 charges: several pages per table, fast full reads


@dataclass(frozen=True)
class Answer:
    """Rows, or the PEP 249 error class a query raised (with its message)."""

    rows: tuple[tuple[Any, ...], ...] | None
    error: str | None = None
    message: str = ""
    direct: bool = False  # answered by the driver without the engine (query/direct.py)

    def show(self, limit: int = 8) -> str:
        if self.rows is None:
            return f"{self.error}: {self.message.splitlines()[0] if self.message else ''}"
        head = ", ".join(_short(repr(r)) for r in self.rows[:limit])
        more = f", … ({len(self.rows)} rows)" if len(self.rows) > limit else ""
        return f"{len(self.rows)} rows: [{head}{more}]"


def _short(text: str, size: int = 160) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


@dataclass(frozen=True)
class Difference:
    """A query whose answers differ, and how."""

    query: Query
    what: str
    pushed: Answer
    reference: Answer

    def report(self) -> str:
        return (
            f"query:     {self.query}\n"
            f"differs:   {self.what}\n"
            f"Pushdown=true:  {self.pushed.show()}\n"
            f"Pushdown=false: {self.reference.show()}"
        )


def run(conn: stripe_dbapi.Connection, sql: str, params: Sequence[Any]) -> Answer:
    """The query's rows, or the error it raised (anything but a PEP 249 error propagates)."""
    cur = conn.cursor()
    try:
        cur.execute(sql, list(params) if params else None)
        direct = cur.plan is not None and cur.plan.direct is not None
        return Answer(tuple(tuple(r) for r in cur.fetchall()), direct=direct)
    except Error as exc:
        return Answer(None, type(exc).__name__, str(exc))
    finally:
        cur.close()


def normalize(value: Any) -> Any:
    """A value as compared: floats rounded, containers order-free and hashable."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return value
        return 0.0 if abs(value) < 1e-9 else float(f"{value:.9g}")
    if isinstance(value, Decimal):
        return normalize(float(value)) if value != value.to_integral_value() else value
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return ("json[]", tuple(sorted(json.dumps(v, sort_keys=True) for v in parsed)))
    if isinstance(value, dict):
        return (
            "map",
            tuple(sorted(((normalize(k), normalize(v)) for k, v in value.items()), key=repr)),
        )
    if isinstance(value, (list, tuple)):
        return ("list", tuple(sorted((normalize(v) for v in value), key=repr)))
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc)
    return value


def _rows(answer: Answer) -> list[tuple[Any, ...]]:
    return [tuple(normalize(v) for v in row) for row in answer.rows or ()]


def compare(query: Query, pushed: Answer, reference: Answer) -> str | None:
    """What differs between the answers (None when they agree); see the module docstring."""
    if pushed.rows is None or reference.rows is None:
        if pushed.error == reference.error:
            return None
        return f"only one side raised ({pushed.error or 'rows'} vs {reference.error or 'rows'})"
    p, f = _rows(pushed), _rows(reference)

    def keys(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [tuple(r[i] for i in query.order) for r in rows]

    if query.limit is None:
        if Counter(p) != Counter(f):
            missing, extra = Counter(f) - Counter(p), Counter(p) - Counter(f)
            return (
                f"rows differ: {sum(missing.values())} missing, {sum(extra.values())} extra "
                f"(e.g. missing {next(iter(missing), None)!r}, extra {next(iter(extra), None)!r})"
            )
        if query.order and keys(p) != keys(f):
            return "the ORDER BY key sequence differs"
        return None
    window = f[query.offset : query.offset + query.limit]
    if len(p) != len(window):
        return f"{len(p)} rows where LIMIT {query.limit} OFFSET {query.offset} leaves {len(window)}"
    if query.order:
        if keys(p) != keys(window):
            return "the ORDER BY key values of the limited rows differ"
        by_key: dict[tuple[Any, ...], Counter[tuple[Any, ...]]] = defaultdict(Counter)
        for row, key in zip(f, keys(f)):
            by_key[key][row] += 1
        for key, rows in _grouped(p, keys(p)).items():
            if rows - by_key[key]:
                return f"rows not in the full answer with keys {key!r}"
        return None
    if Counter(p) - Counter(f):
        return f"rows not in the full answer: {next(iter(Counter(p) - Counter(f)))!r}"
    return None


def _grouped(
    rows: list[tuple[Any, ...]], keys: list[tuple[Any, ...]]
) -> dict[tuple[Any, ...], Counter[tuple[Any, ...]]]:
    out: dict[tuple[Any, ...], Counter[tuple[Any, ...]]] = defaultdict(Counter)
    for row, key in zip(rows, keys):
        out[key][row] += 1
    return out


class Differ:
    """Two Pushdown=true connections (UseSearch false / true) and one Pushdown=false
    connection to one sandbox; `check(query)` runs a query on both sides."""

    def __init__(self, server: SandboxServer) -> None:
        base = f"ApiBase={server.url};LiveAPIKey={server.api_key};MaxConcurrency=4;Concurrency=fixed"
        self.pushed = stripe_dbapi.connect(base)
        self.searching = stripe_dbapi.connect(base + ";UseSearch=true")
        self.reference = stripe_dbapi.connect(base + ";Pushdown=false")
        self.queries_run = 0
        self.answered_directly = 0  # of the Pushdown=true answers (query/direct.py)
        samples, tables = read_samples(self.reference, load_catalog())
        self.context = Context(load_catalog(), tables, samples)

    def answers(self, query: Query) -> tuple[Answer, Answer]:
        """The query's answer with pushdown, and the reference's (without its LIMIT)."""
        self.queries_run += 1
        conn = self.searching if query.use_search else self.pushed
        pushed = run(conn, query.sql, query.params)
        self.answered_directly += pushed.direct
        reference = run(self.reference, query.unlimited or query.sql, query.params)
        return pushed, reference

    def check(self, query: Query) -> Difference | None:
        """The difference between the two answers, or None when they agree."""
        pushed, reference = self.answers(query)
        what = compare(query, pushed, reference)
        return Difference(query, what, pushed, reference) if what else None

    def close(self) -> None:
        for conn in (self.pushed, self.searching, self.reference):
            conn.close()


@contextmanager
def differ(seed: int = SEED, scale: float = SCALE) -> Iterator[Differ]:
    """A sandbox and a Differ over it, stopped afterwards."""
    server = start_sandbox(seed=seed, scale=scale)
    try:
        d = Differ(server)
        try:
            yield d
        finally:
            d.close()
    finally:
        server.stop()


# -- telling differences apart -------------------------------------------------------------

# What a query is made of, read from its text: a found (minimal) difference stands for every
# later difference of the same kind whose query has all of its features (tools/fuzz.py).
FEATURES: dict[str, str] = {
    "or-true": r"OR true\)",
    "null-tautology": r"IS NULL OR \S+ IS NOT NULL",
    "1=1": r"\b1 = 1\b",
    "exclude": r"EXCLUDE \(",
    "star": r"SELECT (DISTINCT )?\*",
    "limit": r"\bLIMIT \d",
    "offset": r"\bOFFSET \d",
    "alias-created": r"AS created\b",
    "distinct-on": r"DISTINCT ON",
    "distinct": r"SELECT DISTINCT \w",
    "between-symmetric": r"BETWEEN SYMMETRIC",
    "between": r"\bBETWEEN\b",
    "date-trunc": r"date_trunc\(",
    "now-interval": r"now\(\) - INTERVAL",
    "timestamptz": r"TIMESTAMPTZ '",
    "timestamp-in": r"IN \('\d{4}-\d\d-\d\d [^']*', '",
    "long-in": r"IN \((?:[^()]*?, ){100}",
    "in": r"\bIN \(",
    "not": r"\bNOT \(",
    "or": r" OR ",
    "= NULL": r"[=>] NULL\b",
    "is-null": r"IS (NOT )?NULL",
    "group-by": r"GROUP BY",
    "having": r"HAVING",
    "order-by": r"ORDER BY",
    "window": r"OVER \(",
    "cte": r"^WITH x AS",
    "derived": r"\) AS x\b",
    "join": r" JOIN ",
    "left-join": r"LEFT JOIN",
    "epoch": r"epoch\(",
    "parameter": r"\?",
    "metadata": r"metadata->>",
    "like": r" LIKE ",
    "function-of-column": r"lower\(",
}


def features(query: Query) -> frozenset[str]:
    """The FEATURES a query's SQL shows, its aggregate functions, tables and UseSearch."""
    found = {name for name, pattern in FEATURES.items() if re.search(pattern, query.sql)}
    found |= {f"fn:{m}" for m in re.findall(r"\b([a-z_]+)\(", query.sql)}
    found |= {f"table:{m}" for m in re.findall(r"(?:FROM|JOIN) ([a-z_]+)", query.sql)}
    if query.use_search:
        found.add("UseSearch")
    if any(f"fn:{agg.split('(')[0]}" in found for agg in DUCKDB_AGGREGATES):
        found.add("duckdb-aggregate")
    return frozenset(found)


def shape(query: Query) -> frozenset[str]:
    """The features that say what kind of query it is (not which table or function), or
    all of them when that leaves none."""
    found = features(query)
    general = frozenset(f for f in found if not f.startswith(("table:", "fn:")))
    return general or found


def kind(d: Difference) -> str:
    """The sort of difference: who raised what (the message with names and values left
    out), or that rows differ."""
    if d.pushed.error or d.reference.error:
        message = (d.pushed.message if d.pushed.error else d.reference.message).splitlines()[0]
        template = re.sub(r"\"[^\"]*\"|'[^']*'|`[^`]*`|\b\d+\b", "…", message)
        return f"{d.pushed.error or 'rows'} vs {d.reference.error or 'rows'}: {template}"
    return "rows"


def is_known(d: Difference, known: Sequence[Difference]) -> bool:
    """True when `d` is of a kind already found: the same error (message template), or
    differing rows on a query that has every feature of a known one's minimal query."""
    k = kind(d)
    if k != "rows":
        return any(kind(o) == k for o in known)
    return any(kind(o) == k and shape(o.query) <= shape(d.query) for o in known)
