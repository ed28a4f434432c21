"""Hypothesis strategies that write SQL queries from the catalog, for the differential fuzzer.

Every strategy is small and named after the SQL it writes; `queries(ctx)` composes them.
A `Context` holds the catalog, the tables to draw from and a few values that exist in the
data (read once from a Pushdown=false connection by `read_samples`), so that predicates
select rows as well as miss them. Nothing here knows a particular table: columns, types,
filters, filter-only columns, parents and references all come from the catalog.

A drawn `Query` carries its SQL (and `?` parameters), whether it runs with UseSearch, and
what the comparison needs to know: its top-level LIMIT/OFFSET, the output positions of its
ORDER BY keys, and the same SQL without the LIMIT for the reference side (see harness.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st
from sqlglot.dialects.duckdb import DuckDB

from stripe_dbapi.catalog.model import DECIMAL, TIMESTAMP, Catalog, Table

UTC = dt.timezone.utc
NUMERIC = ("BIGINT", "DOUBLE", DECIMAL)
_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_KEYWORDS = {k.upper() for k in DuckDB.Tokenizer.KEYWORDS} | {"OBJECT", "TYPE", "VALUE"}


# -- values and fragments ------------------------------------------------------------------


@dataclass(frozen=True)
class Frag:
    """A piece of SQL and the `?` parameters it holds, in textual order."""

    sql: str
    params: tuple[Any, ...] = ()

    def __add__(self, other: Frag | str) -> Frag:
        if isinstance(other, str):
            return Frag(self.sql + other, self.params)
        return Frag(self.sql + other.sql, self.params + other.params)


def join(parts: Sequence[Frag], sep: str) -> Frag:
    """The parts with `sep` between them (parameters kept in order)."""
    out = Frag("")
    for i, part in enumerate(parts):
        out = out + (sep if i else "") + part
    return out


def ident(name: str) -> str:
    """A column or alias name as SQL, quoted only where it must be."""
    if _PLAIN_NAME.match(name) and name.upper() not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Col:
    """A column a query can name: its SQL type, sample values, and what the planner sees."""

    name: str
    type: str
    values: tuple[Any, ...] = ()  # values that exist in the data (maybe empty)
    filter_only: bool = False  # a list parameter, not a field of the object
    parent_key: bool = False  # a child table's parent key
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class Relation:
    """What a FROM item offers to predicates and select lists: `prefix` + column names."""

    prefix: str  # "" or "a." (how columns are written)
    columns: tuple[Col, ...]
    table: Table | None = None  # the Stripe table, when the relation is one

    def col(self, name: str) -> Col | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    def ref(self, c: Col) -> str:
        return self.prefix + ident(c.name)

    def real(self) -> tuple[Col, ...]:
        """Columns with values of their own (not filter-only), scalar-typed."""
        return tuple(c for c in self.columns if not c.filter_only and c.type != "JSON")


@dataclass(frozen=True)
class Samples:
    """Values that exist in the data: table → column → a few distinct values, plus the
    (key, value) pairs found in each table's `metadata`."""

    values: Mapping[str, Mapping[str, tuple[Any, ...]]]
    metadata: Mapping[str, tuple[tuple[str, str], ...]]
    rows: Mapping[str, int]


@dataclass(frozen=True)
class Context:
    """The catalog, the tables queries are drawn from (richest first), and samples."""

    catalog: Catalog
    tables: tuple[str, ...]
    samples: Samples

    def relation(self, name: str, prefix: str = "") -> Relation:
        """The table `name` as a relation, each column with its sample values."""
        table = self.catalog.tables[name]
        values = self.samples.values.get(name, {})
        cols = []
        for c in table.columns:
            vals = values.get(c.name, ())
            if c.filter_only and c.references:
                vals = self.samples.values.get(c.references, {}).get("id", ())
            parent = table.parent is not None and table.parent.column == c.name
            if parent and not vals and table.parent is not None and table.parent.table:
                vals = self.samples.values.get(table.parent.table, {}).get("id", ())
            cols.append(Col(c.name, c.type, vals, c.filter_only, parent, c.enum or ()))
        return Relation(prefix, tuple(cols), table)


def read_samples(
    conn: Any, catalog: Catalog, per_column: int = 8
) -> tuple[Samples, tuple[str, ...]]:
    """Sample values of every catalog table a plain full read can list, read through `conn`
    (a Pushdown=false connection), and those tables, most rows first."""
    values: dict[str, dict[str, tuple[Any, ...]]] = {}
    metadata: dict[str, tuple[tuple[str, str], ...]] = {}
    rows: dict[str, int] = {}
    for table in catalog:
        cur = conn.cursor()
        try:
            cur.execute(f"SELECT * FROM {table.name}")
            data = cur.fetchall()
        except Exception:  # noqa: BLE001 - a table that needs a key from the query
            continue
        if not data:
            continue
        names = [d[0] for d in cur.description or ()]
        rows[table.name] = len(data)
        per: dict[str, tuple[Any, ...]] = {}
        for i, name in enumerate(names):
            seen: list[Any] = []
            step = max(1, len(data) // per_column)
            for row in data[::step] + data[:2]:
                v = row[i]
                if v is not None and not isinstance(v, (dict, list)) and v not in seen:
                    seen.append(v)
            per[name] = tuple(seen[: per_column + 2])
        values[table.name] = per
        if "metadata" in names:
            pairs: list[tuple[str, str]] = []
            for row in data:
                meta = row[names.index("metadata")]
                for k, v in (json.loads(meta) if isinstance(meta, str) else {}).items():
                    if isinstance(v, str) and (k, v) not in pairs:
                        pairs.append((k, v))
            metadata[table.name] = tuple(pairs[:12])
    tables = tuple(sorted(rows, key=lambda t: (-rows[t], t)))
    return Samples(values, metadata, rows), tables


# -- literals ------------------------------------------------------------------------------


def _fake_text(c: Col) -> list[str]:
    """Values of a text column's shape that are not in the data."""
    like = next((v for v in c.values if isinstance(v, str)), "x_1")
    prefix = like.split("_")[0] + "_" if "_" in like else ""
    return [prefix + "Fuzz0missing", "", "zz"]


def timestamp_text(value: dt.datetime) -> st.SearchStrategy[Frag]:
    """A timestamp written as the planner meets them: ISO strings, `DATE`, `TIMESTAMPTZ`
    with an offset, unix seconds as an integer, or a `?` parameter."""
    utc = value.astimezone(UTC)
    whole = utc.replace(microsecond=0)
    plus2 = utc.astimezone(dt.timezone(dt.timedelta(hours=2)))
    forms = [
        Frag(sql_string(utc.strftime("%Y-%m-%d %H:%M:%S") + (".5" if utc.microsecond else ""))),
        Frag(sql_string(utc.strftime("%Y-%m-%dT%H:%M:%SZ"))),
        Frag(f"DATE {sql_string(utc.strftime('%Y-%m-%d'))}"),
        Frag(f"TIMESTAMPTZ {sql_string(plus2.strftime('%Y-%m-%d %H:%M:%S+02:00'))}"),
        Frag(str(int(whole.timestamp()))),
        Frag("?", (utc,)),
    ]
    return st.sampled_from(forms)


def timestamps(c: Col) -> st.SearchStrategy[dt.datetime]:
    """A moment near a value of the column (the same second, ±½ s, ±1 s, ±1 h, ±1 day) or
    far from every value."""
    shifts = [0, 0.5, -0.5, 1, -1, 3600, -3600, 86400, -86400]
    near = (
        st.builds(
            lambda v, s: v + dt.timedelta(seconds=s),
            st.sampled_from([v for v in c.values if isinstance(v, dt.datetime)]),
            st.sampled_from(shifts),
        )
        if any(isinstance(v, dt.datetime) for v in c.values)
        else st.nothing()
    )
    far = st.sampled_from(
        [dt.datetime(2020, 1, 1, tzinfo=UTC), dt.datetime(2030, 1, 1, tzinfo=UTC)]
    )
    return st.one_of(near, far)


def literal(c: Col) -> st.SearchStrategy[Frag]:
    """A constant for comparison with `c`: mostly a value in the data, sometimes one that
    is not; sometimes as a `?` parameter."""
    if c.type == TIMESTAMP:
        return timestamps(c).flatmap(timestamp_text)
    if c.type == "BOOLEAN":
        return st.sampled_from([Frag("true"), Frag("false"), Frag("?", (True,))])
    if c.type in NUMERIC:
        real = [v for v in c.values if isinstance(v, (int, float)) or hasattr(v, "as_tuple")]
        choices = [*real, 0, 1, 999999999]
        return st.sampled_from(choices).flatmap(
            lambda v: st.sampled_from([Frag(str(v)), Frag("?", (v,))])
        )
    texts = [*(str(v) for v in c.values), *c.enum[:3], *_fake_text(c)]
    return st.sampled_from(list(dict.fromkeys(texts))).flatmap(
        lambda v: st.sampled_from([Frag(sql_string(v)), Frag("?", (v,))])
    )


def literal_list(c: Col, max_size: int = 5) -> st.SearchStrategy[Frag]:
    """`(v1, v2, …)` of distinct constants for `c IN (…)`."""
    return st.lists(literal(c), min_size=1, max_size=max_size, unique_by=lambda f: f.sql).map(
        lambda fs: Frag("(") + join(fs, ", ") + ")"
    )


def long_id_list(c: Col) -> st.SearchStrategy[Frag]:
    """More than 100 ids (real ones among made-up ones): past the planner's call limit."""
    real = [str(v) for v in c.values]
    fake = _fake_text(c)[0]

    def build(n: int, keep: int) -> Frag:
        ids = real[:keep] + [f"{fake}{i:04d}" for i in range(n - min(keep, len(real)))]
        return Frag("(" + ", ".join(sql_string(i) for i in ids) + ")")

    return st.builds(build, st.integers(101, 130), st.integers(0, len(real)))


# -- predicates ----------------------------------------------------------------------------


def comparison(rel: Relation, c: Col) -> st.SearchStrategy[Frag]:
    """`c = v`, `c <> v`, and on ordered types `<`, `<=`, `>`, `>=`."""
    ops = ["=", "<>"] + (["<", "<=", ">", ">="] if c.type in (*NUMERIC, TIMESTAMP) else [])
    return st.builds(
        lambda op, v: Frag(f"{rel.ref(c)} {op} ") + v, st.sampled_from(ops), literal(c)
    )


def in_list(rel: Relation, c: Col) -> st.SearchStrategy[Frag]:
    """`c IN (…)`, occasionally `c NOT IN (…)`."""
    neg = st.sampled_from(["IN", "IN", "IN", "NOT IN"])
    return st.builds(lambda n, vs: Frag(f"{rel.ref(c)} {n} ") + vs, neg, literal_list(c))


def between(rel: Relation, c: Col) -> st.SearchStrategy[Frag]:
    """`c BETWEEN a AND b`, `BETWEEN SYMMETRIC` (bounds in either order)."""
    kind = st.sampled_from(["BETWEEN", "BETWEEN SYMMETRIC", "NOT BETWEEN"])
    return st.builds(
        lambda k, a, b: Frag(f"{rel.ref(c)} {k} ") + a + " AND " + b, kind, literal(c), literal(c)
    )


def null_test(rel: Relation, c: Col) -> st.SearchStrategy[Frag]:
    """`c IS NULL`, `c IS NOT NULL`, and `c = NULL` (never true)."""
    return st.sampled_from(
        [Frag(f"{rel.ref(c)} {t}") for t in ("IS NULL", "IS NOT NULL", "= NULL", "<> NULL")]
    )


def date_trunc_comparison(rel: Relation, c: Col) -> st.SearchStrategy[Frag]:
    """`date_trunc('day', c) > t` (and other units and operators), t in any spelling."""
    return st.builds(
        lambda unit, op, t: Frag(f"date_trunc({sql_string(unit)}, {rel.ref(c)}) {op} ") + t,
        st.sampled_from(["day", "hour", "month"]),
        st.sampled_from([">", ">=", "<", "<=", "="]),
        timestamps(c).flatmap(timestamp_text),
    )


def recent(rel: Relation, c: Col) -> st.SearchStrategy[Frag]:
    """`c >= now() - INTERVAL n DAY`: a bound known when the query starts."""
    return st.builds(
        lambda op, n, unit: Frag(f"{rel.ref(c)} {op} now() - INTERVAL {n} {unit}"),
        st.sampled_from([">=", ">", "<"]),
        st.sampled_from([1, 7, 30, 90, 400, 800]),
        st.sampled_from(["DAY", "HOUR"]),
    )


def same_second_in(rel: Relation, c: Col) -> st.SearchStrategy[Frag]:
    """`c IN ('… :39', '… :39.5')`: one second and a fraction of it."""

    def build(v: dt.datetime) -> Frag:
        text = v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        return Frag(f"{rel.ref(c)} IN ({sql_string(text)}, {sql_string(text + '.5')})")

    return timestamps(c).map(build)


def timestamp_predicate(rel: Relation, c: Col) -> st.SearchStrategy[Frag]:
    """The unix-time predicates beyond plain comparisons."""
    return st.one_of(date_trunc_comparison(rel, c), recent(rel, c), same_second_in(rel, c))


def function_predicate(rel: Relation, c: Col) -> st.SearchStrategy[Frag]:
    """Predicates the planner leaves to the engine: functions of columns, LIKE."""
    if c.type == "VARCHAR":
        return st.one_of(
            literal(c).map(lambda v: Frag(f"lower({rel.ref(c)}) = lower(") + v + ")"),
            st.sampled_from([Frag(f"{rel.ref(c)} LIKE '%a%'"), Frag(f"{rel.ref(c)} LIKE 'zz%'")]),
        )
    if c.type in NUMERIC:
        return literal(c).map(lambda v: Frag(f"{rel.ref(c)} + 0 = ") + v)
    return null_test(rel, c)


def metadata_predicate(ctx: Context, rel: Relation) -> st.SearchStrategy[Frag]:
    """`metadata->>'k' = 'v'` with a pair found in the data (or not): what UseSearch sends."""
    pairs = list(ctx.samples.metadata.get(rel.table.name, ())) if rel.table else []
    pairs.append(("fuzz", "none"))
    return st.sampled_from(pairs).map(
        lambda kv: Frag(f"{rel.prefix}metadata->>{sql_string(kv[0])} = {sql_string(kv[1])}")
    )


def atom(ctx: Context, rel: Relation) -> st.SearchStrategy[Frag]:
    """One predicate on one column of `rel`, of any kind the planner pushes (or not)."""
    cols = [c for c in rel.columns if c.type != "JSON"]
    filterable = {f.column for f in rel.table.filters} if rel.table else set()
    pushable = [c for c in cols if c.name in filterable or c.name == "id" or c.parent_key]
    pool = st.sampled_from(pushable) if pushable else st.sampled_from(cols)
    column = st.one_of(pool, st.sampled_from(cols)) if pushable else pool

    def for_column(c: Col) -> st.SearchStrategy[Frag]:
        if c.filter_only:  # only constants with = or IN mean something for these
            return st.one_of(comparison(rel, c).filter(lambda f: " = " in f.sql), in_list(rel, c))
        kinds = [comparison(rel, c), in_list(rel, c), null_test(rel, c), function_predicate(rel, c)]
        if c.type in (*NUMERIC, TIMESTAMP):
            kinds.append(between(rel, c))
        if c.type == TIMESTAMP:
            kinds.append(timestamp_predicate(rel, c))
        if c.name == "id":
            kinds.append(long_id_list(c).map(lambda vs: Frag(f"{rel.ref(c)} IN ") + vs))
        return st.one_of(kinds)

    plain = column.flatmap(for_column)
    if rel.col("metadata") is None:
        return plain
    return st.one_of(plain, plain, plain, metadata_predicate(ctx, rel))


def tautology(rel: Relation, inner: st.SearchStrategy[Frag]) -> st.SearchStrategy[Frag]:
    """Conditions that always hold: `c IS NULL OR c IS NOT NULL`, `p OR true`, `1 = 1`."""
    cols = [c for c in rel.columns if c.type != "JSON" and not c.filter_only] or list(rel.columns)
    both = st.sampled_from(cols).map(
        lambda c: Frag(f"({rel.ref(c)} IS NULL OR {rel.ref(c)} IS NOT NULL)")
    )
    return st.one_of(both, inner.map(lambda p: Frag("(") + p + " OR true)"), st.just(Frag("1 = 1")))


def predicate(ctx: Context, rel: Relation) -> st.SearchStrategy[Frag]:
    """An atom (most often), or NOT / OR / a tautology around atoms (one level deep)."""
    a = atom(ctx, rel)
    return st.one_of(
        *[a] * 6,
        a.map(lambda p: Frag("NOT (") + p + ")"),
        st.builds(lambda p, q: Frag("(") + p + " OR " + q + ")", a, a),
        tautology(rel, a),
    )


def where(ctx: Context, rel: Relation, max_size: int = 4) -> st.SearchStrategy[Frag]:
    """` WHERE p AND q …` (zero to `max_size` conditions; empty text for none)."""
    return st.lists(predicate(ctx, rel), max_size=max_size).map(
        lambda ps: Frag(" WHERE ") + join(ps, " AND ") if ps else Frag("")
    )


# -- select lists --------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One output column: its SQL, the alias (or name) it is known by, and its type."""

    sql: Frag
    name: str
    type: str
    alias: bool = False  # written `… AS name`
    order_sql: str | None = None  # how ORDER BY may spell it besides alias and position
    source: Col | None = None  # the column whose values it holds, if any

    def select(self) -> Frag:
        return self.sql + (f" AS {ident(self.name)}" if self.alias else "")


def column_items(rel: Relation, max_size: int = 4) -> st.SearchStrategy[list[Item]]:
    """Columns (some under an alias, one maybe under the alias `created`) and expressions."""
    real = rel.real() or rel.columns

    def item(c: Col, how: str, k: int) -> Item:
        ref = rel.ref(c)
        if how == "alias":
            return Item(Frag(ref), f"c{k}", c.type, True, ref, c)
        if how == "created" and c.name != "created":
            return Item(Frag(ref), "created", c.type, True, ref, c)
        if how == "expr" and c.type in NUMERIC:
            return Item(Frag(f"{ref} % 7"), f"e{k}", c.type, True, f"{ref} % 7")
        if how == "expr" and c.type == "VARCHAR":
            return Item(Frag(f"lower({ref})"), f"e{k}", c.type, True, f"lower({ref})")
        return Item(Frag(ref), c.name, c.type, False, ref, c)

    one = st.tuples(
        st.sampled_from(real), st.sampled_from(["plain", "plain", "alias", "created", "expr"])
    )
    return st.lists(one, min_size=1, max_size=max_size, unique_by=lambda t: t[0].name).map(
        lambda picks: _unique_names([item(c, how, k) for k, (c, how) in enumerate(picks)])
    )


def _unique_names(items: list[Item]) -> list[Item]:
    """Keep one item per output name (two `created` aliases would be ambiguous)."""
    out: list[Item] = []
    for it in items:
        if all(o.name != it.name for o in out):
            out.append(it)
    return out


# Aggregates: DuckDB's own (sqlglot knows these) and DuckDB-only ones that sqlglot parses
# as anonymous functions. None is order-dependent in a way normalization cannot undo
# (json_group_array, histogram and list are compared as multisets of their elements).
KNOWN_AGGREGATES = ("count({})", "sum({})", "min({})", "max({})", "avg({})", "count(DISTINCT {})")
DUCKDB_AGGREGATES = (
    "mean({})",
    "fsum({})",
    "favg({})",
    "histogram({})",
    "entropy({})",
    "mad({})",
    "product({} % 5 + 1)",
    "geomean(abs({}) + 1)",
    "weighted_avg({0}, 1)",
    "json_group_array({})",
    "median({})",
    "var_pop({})",
    "kurtosis_pop({})",
    "bit_or({})",
    "count_if({} > 0)",
    "sumkahan({})",
)


def aggregate_item(
    rel: Relation, k: int, funcs: Sequence[str] | None = None
) -> st.SearchStrategy[Item]:
    """`agg(col) AS a<k>` over a numeric column, or `count(*)`."""
    numeric = [c for c in rel.real() if c.type in NUMERIC and c.type != DECIMAL]
    choices = list(funcs) if funcs is not None else [*KNOWN_AGGREGATES, *DUCKDB_AGGREGATES]
    if not numeric:
        return st.just(Item(Frag("count(*)"), f"a{k}", "BIGINT", True))
    agg = st.builds(
        lambda f, c: Item(Frag(f.format(rel.ref(c))), f"a{k}", "DOUBLE", True),
        st.sampled_from(choices),
        st.sampled_from(numeric),
    )
    if funcs is not None:
        return agg
    return st.one_of(st.just(Item(Frag("count(*)"), f"a{k}", "BIGINT", True)), agg)


def window_item(rel: Relation, k: int) -> st.SearchStrategy[Item]:
    """A deterministic window function: per-partition counts and sums, rank by id."""
    real = [c for c in rel.real() if c.type != "JSON"]
    numeric = [c for c in real if c.type in NUMERIC]
    by = st.sampled_from(real)
    forms = [by.map(lambda c: f"count(*) OVER (PARTITION BY {rel.ref(c)})")]
    if numeric:
        forms.append(
            st.builds(
                lambda n, c: f"sum({rel.ref(n)}) OVER (PARTITION BY {rel.ref(c)})",
                st.sampled_from(numeric),
                by,
            )
        )
    if rel.col("id") is not None:
        forms.append(st.just(f"rank() OVER (ORDER BY {rel.prefix}id)"))
    return st.one_of(forms).map(lambda s: Item(Frag(s), f"w{k}", "BIGINT", True))


# -- single-table queries ------------------------------------------------------------------


@dataclass(frozen=True)
class Select:
    """A SELECT being built: its clauses as fragments and its output items."""

    items: tuple[Item, ...]
    from_: Frag
    where: Frag = Frag("")
    group: Frag = Frag("")
    having: Frag = Frag("")
    distinct: str = ""  # "", "DISTINCT " or "DISTINCT ON (…) "
    star: Frag | None = None  # `*` or `* EXCLUDE (…)` instead of the items' SQL
    order: tuple[tuple[int, str, str], ...] = ()  # (output position, spelling, direction)
    limit: int | None = None
    offset: int = 0
    use_search: bool = False
    with_: Frag | None = None  # `WITH x AS (…)` before the SELECT

    def body(self, with_limit: bool = True) -> Frag:
        cols = self.star if self.star is not None else join([i.select() for i in self.items], ", ")
        out = Frag("WITH x AS (") + self.with_ + ") " if self.with_ is not None else Frag("")
        out = out + "SELECT " + self.distinct + cols + " FROM " + self.from_ + self.where
        out = out + self.group + self.having
        if self.order:
            out = out + " ORDER BY " + ", ".join(f"{s} {d}".strip() for _, s, d in self.order)
        if with_limit and self.limit is not None:
            out = out + f" LIMIT {self.limit}" + (f" OFFSET {self.offset}" if self.offset else "")
        return out


@dataclass(frozen=True)
class Query:
    """A query to run on both connections, and how to compare its answers."""

    sql: str
    params: tuple[Any, ...] = ()
    use_search: bool = False
    unlimited: str | None = None  # the SQL without its top-level LIMIT/OFFSET
    limit: int | None = None
    offset: int = 0
    order: tuple[int, ...] = ()  # output positions of the ORDER BY keys

    def __str__(self) -> str:
        extra = f"  -- params: {list(self.params)!r}" if self.params else ""
        search = "  -- UseSearch=true" if self.use_search else ""
        return self.sql + extra + search


def as_query(s: Select) -> Query:
    """The Query of a finished Select."""
    full = s.body()
    return Query(
        full.sql,
        full.params,
        s.use_search,
        s.body(with_limit=False).sql if s.limit is not None else None,
        s.limit,
        s.offset,
        tuple(pos for pos, _, _ in s.order),
    )


def order_by(
    items: Sequence[Item], max_keys: int = 2
) -> st.SearchStrategy[tuple[tuple[int, str, str], ...]]:
    """ORDER BY over output items: by alias (`created` among them), by position, or by the
    expression itself; ASC or DESC."""

    # ORDER BY resolves a bare name to an output name first: `created AS c1, "object" AS
    # created ORDER BY created` sorts by the second item, so an expression that reads like
    # another item's name does not spell its own item.
    names_out = {it.name.lower() for it in items}

    def spell(pos: int) -> st.SearchStrategy[tuple[int, str, str]]:
        it = items[pos]
        own = it.order_sql is not None and (
            it.order_sql.strip('"').lower() not in names_out - {it.name.lower()}
        )
        names = [ident(it.name), str(pos + 1)] + ([it.order_sql] if own else [])
        return st.tuples(st.just(pos), st.sampled_from(names), st.sampled_from(["DESC", "ASC", ""]))

    positions = st.lists(st.integers(0, len(items) - 1), min_size=1, max_size=max_keys, unique=True)
    return positions.flatmap(lambda ps: st.tuples(*[spell(p) for p in ps]))


def limit_offset() -> st.SearchStrategy[tuple[int | None, int]]:
    """No LIMIT, or LIMIT 0–12 with an OFFSET of 0–3."""
    return st.one_of(
        st.just((None, 0)),
        st.tuples(st.integers(0, 12), st.sampled_from([0, 0, 0, 1, 3])),
    )


def table_name(ctx: Context) -> st.SearchStrategy[str]:
    """A table, the ones with the most rows (and filters) more often."""
    return st.one_of(st.sampled_from(ctx.tables[:12]), st.sampled_from(ctx.tables))


def with_order_and_limit(s: Select) -> st.SearchStrategy[Select]:
    """The Select, maybe ordered by its outputs, maybe limited."""
    orders = st.one_of(st.just(()), order_by(s.items))
    return st.builds(
        lambda o, lo: replace(s, order=o, limit=lo[0], offset=lo[1]), orders, limit_offset()
    )


def star_select(ctx: Context, rel: Relation, name: str) -> st.SearchStrategy[Select]:
    """`SELECT * [EXCLUDE (…)] FROM t WHERE …` (output columns known from the catalog)."""
    cols = list(rel.columns)

    def build(excluded: list[Col], w: Frag) -> Select:
        keep = [c for c in cols if c not in excluded]
        items = tuple(Item(Frag(ident(c.name)), c.name, c.type, source=c) for c in keep)
        star = (
            Frag("*")
            if not excluded
            else Frag("* EXCLUDE (" + ", ".join(ident(c.name) for c in excluded) + ")")
        )
        return Select(items, Frag(name), w, star=star)

    excl = st.lists(st.sampled_from(cols), max_size=2, unique_by=lambda c: c.name)
    return st.builds(build, excl, where(ctx, rel))


def plain_select(ctx: Context, rel: Relation, name: str) -> st.SearchStrategy[Select]:
    """`SELECT cols/expressions [, window] FROM t WHERE …`, maybe DISTINCT."""

    def build(items: list[Item], win: list[Item], w: Frag, distinct: str) -> Select:
        return Select(tuple(items + win), Frag(name), w, distinct=distinct)

    wins = st.lists(window_item(rel, 0), max_size=1)
    return st.builds(
        build, column_items(rel), wins, where(ctx, rel), st.sampled_from(["", "", "", "DISTINCT "])
    )


def grouped_select(
    ctx: Context, rel: Relation, name: str, funcs: Sequence[str] | None = None, max_keys: int = 2
) -> st.SearchStrategy[Select]:
    """`SELECT keys, aggregates FROM t WHERE … [GROUP BY keys] [HAVING count(*) > n]`;
    keys may be filter-only columns, and no keys is one row of aggregates."""
    keys_pool = [c for c in rel.columns if c.type != "JSON"]

    def build(
        keys: list[Col], aggs: list[Item], w: Frag, having: bool, by_position: bool
    ) -> Select:
        items = [Item(Frag(rel.ref(c)), c.name, c.type, False, rel.ref(c), c) for c in keys]
        aggs = [replace(a, name=f"a{k}") for k, a in enumerate(aggs)]
        group = Frag("")
        if keys:
            spelled = [str(i + 1) if by_position else rel.ref(c) for i, c in enumerate(keys)]
            group = Frag(" GROUP BY " + ", ".join(spelled))
        return Select(
            tuple(items + aggs),
            Frag(name),
            w,
            group,
            Frag(" HAVING count(*) > 1") if having and keys else Frag(""),
        )

    keys = st.lists(st.sampled_from(keys_pool), max_size=max_keys, unique_by=lambda c: c.name)
    aggs = st.lists(aggregate_item(rel, 0, funcs), min_size=1, max_size=3)
    return st.builds(build, keys, aggs, where(ctx, rel), st.booleans(), st.booleans())


def distinct_on_select(ctx: Context, rel: Relation, name: str) -> st.SearchStrategy[Select]:
    """`SELECT DISTINCT ON (k) k, id, created … ORDER BY k, created DESC, id DESC`: the
    latest row per key (ties broken by id, so the answer is determined)."""
    keys = [c for c in rel.real() if c.name not in ("id", "created")]
    id_, created = rel.col("id"), rel.col("created")
    if id_ is None or created is None or not keys:
        return plain_select(ctx, rel, name)

    def build(k: Col, extra: list[Col], w: Frag) -> Select:
        more = [e for e in extra if e.name not in (k.name, "id", "created")]
        cols = [k, id_, created, *more]
        items = tuple(Item(Frag(rel.ref(c)), c.name, c.type, source=c) for c in cols)
        order = ((0, rel.ref(k), ""), (2, rel.ref(created), "DESC"), (1, rel.ref(id_), "DESC"))
        distinct = f"DISTINCT ON ({rel.ref(k)}) "
        return Select(items, Frag(name), w, distinct=distinct, order=order)

    extras = st.lists(st.sampled_from(rel.real()), max_size=2)
    return st.builds(build, st.sampled_from(keys), extras, where(ctx, rel))


def limited(s: Select) -> st.SearchStrategy[Select]:
    """The Select with its own ORDER BY, maybe limited."""
    return limit_offset().map(lambda lo: replace(s, limit=lo[0], offset=lo[1]))


def pushable_atom(rel: Relation) -> st.SearchStrategy[Frag]:
    """A predicate the planner can send as it stands: `=` / `IN` on a filter column (the
    filter-only and parent-key ones too), a range on a range filter, ids (also more than
    100), a second and its fraction."""
    assert rel.table is not None
    kinds = {f.column: f.kind for f in rel.table.filters}
    options: list[st.SearchStrategy[Frag]] = []
    for c in rel.columns:
        if c.name in kinds or c.parent_key or c.name == "id":
            options.append(comparison(rel, c).filter(lambda f: " = " in f.sql))
            options.append(in_list(rel, c).filter(lambda f: "NOT IN" not in f.sql))
        if kinds.get(c.name) == "range" and not c.filter_only:
            options.append(comparison(rel, c).filter(lambda f: " <> " not in f.sql))
            options.append(between(rel, c).filter(lambda f: "NOT BETWEEN" not in f.sql))
            if c.type == TIMESTAMP:
                options.append(same_second_in(rel, c))
        if c.name == "id":
            options.append(long_id_list(c).map(lambda vs, c=c: Frag(f"{rel.ref(c)} IN ") + vs))
    return st.one_of(options) if options else st.nothing()


def pushable_select(ctx: Context, rel: Relation, name: str) -> st.SearchStrategy[Select]:
    """Only predicates the planner sends, and a LIMIT with no ORDER BY or with `ORDER BY
    created DESC`: the shapes whose LIMIT goes to Stripe."""
    id_, created = rel.col("id"), rel.col("created")
    if rel.table is None or id_ is None or not rel.table.filters:
        return plain_select(ctx, rel, name)
    shown = [id_] + ([created] if created is not None and not created.filter_only else [])
    items = tuple(Item(Frag(rel.ref(c)), c.name, c.type, source=c) for c in shown)
    order = ((len(items) - 1, "created", "DESC"),) if len(items) > 1 else ()

    def build(ps: list[Frag], ordered: bool, n: int, offset: int) -> Select:
        w = Frag(" WHERE ") + join(ps, " AND ") if ps else Frag("")
        return Select(items, Frag(name), w, order=order if ordered else (), limit=n, offset=offset)

    return st.builds(
        build,
        st.lists(pushable_atom(rel), max_size=3),
        st.booleans(),
        st.integers(1, 8),
        st.sampled_from([0, 0, 2]),
    )


def single_table(ctx: Context, name: str | None = None) -> st.SearchStrategy[Select]:
    """A query over one table (any of the shapes above), ordered and limited or not, with
    UseSearch or not."""
    names = st.just(name) if name else table_name(ctx)

    def shapes(t: str) -> st.SearchStrategy[Select]:
        rel = ctx.relation(t)
        shape = st.one_of(
            plain_select(ctx, rel, t).flatmap(with_order_and_limit),
            plain_select(ctx, rel, t).flatmap(with_order_and_limit),
            grouped_select(ctx, rel, t).flatmap(with_order_and_limit),
            star_select(ctx, rel, t).flatmap(with_order_and_limit),
            distinct_on_select(ctx, rel, t).flatmap(limited),
            pushable_select(ctx, rel, t),
        )
        searchable = bool(rel.table and rel.table.search_path)
        search = st.booleans() if searchable else st.just(False)
        return st.tuples(shape, search).map(lambda sv: replace(sv[0], use_search=sv[1]))

    return names.flatmap(shapes)


# -- CTEs, derived tables, joins -----------------------------------------------------------


def output_relation(s: Select, alias: str) -> Relation:
    """What a Select offers when wrapped as `alias`: its output names, each with the
    sample values of the column it comes from."""
    cols = [Col(it.name, it.type, it.source.values if it.source else ()) for it in s.items]
    return Relation(alias + ".", tuple(cols))


def wrapped(ctx: Context, name: str | None = None) -> st.SearchStrategy[Select]:
    """`WITH x AS (inner) SELECT … FROM x WHERE outer …` or the same as a derived table:
    the inner query plain, DISTINCT ON, grouped, or renaming `created` to unix seconds."""
    names = st.just(name) if name else table_name(ctx)

    def around(t: str) -> st.SearchStrategy[Select]:
        rel = ctx.relation(t)
        inner = st.one_of(
            plain_select(ctx, rel, t).filter(lambda s: not s.distinct),
            distinct_on_select(ctx, rel, t),
            grouped_select(ctx, rel, t),
            epoch_select(ctx, rel, t),
        )
        return st.tuples(inner, st.booleans()).flatmap(lambda ic: outer(ctx, *ic))

    return names.flatmap(around)


def epoch_select(ctx: Context, rel: Relation, name: str) -> st.SearchStrategy[Select]:
    """`SELECT id, CAST(epoch(created) AS BIGINT) AS created FROM t WHERE …`: the user's own
    integer column named `created`."""
    created, id_ = rel.col("created"), rel.col("id")
    if created is None or id_ is None or created.type != TIMESTAMP:
        return plain_select(ctx, rel, name)
    seconds = tuple(int(v.timestamp()) for v in created.values if isinstance(v, dt.datetime))
    items = (
        Item(Frag(rel.ref(id_)), "id", "VARCHAR", source=id_),
        Item(
            Frag(f"CAST(epoch({rel.ref(created)}) AS BIGINT)"),
            "created",
            "BIGINT",
            True,
            source=Col("created", "BIGINT", seconds),
        ),
    )
    base = Select(items, Frag(name))
    return where(ctx, rel, 2).map(lambda w: replace(base, where=w))


def outer(ctx: Context, inner: Select, as_cte: bool) -> st.SearchStrategy[Select]:
    """The query around `inner` (named x): a WHERE on its outputs, its columns or a count."""
    rel = output_relation(inner, "x")
    body = inner.body()

    def build(w: Frag, count: bool) -> Select:
        items = (
            (Item(Frag("count(*)"), "n", "BIGINT", True),)
            if count
            else tuple(Item(Frag(f"x.{ident(i.name)}"), i.name, i.type) for i in inner.items)
        )
        if as_cte:
            return Select(items, Frag("x"), w, with_=body)
        return Select(items, Frag("(") + body + ") AS x", w)

    return st.builds(build, where(ctx, rel, 2), st.booleans()).flatmap(with_order_and_limit)


def references(ctx: Context) -> list[tuple[str, str, str]]:
    """(table, column, referenced table) for every reference between tables with data."""
    present = set(ctx.tables)
    out = []
    for t in ctx.tables:
        for c in ctx.catalog.tables[t].columns:
            if c.references in present and not c.filter_only and c.type == "VARCHAR":
                out.append((t, c.name, c.references))
    return out


def join_query(ctx: Context) -> st.SearchStrategy[Select]:
    """`SELECT … FROM a [LEFT|RIGHT] JOIN b ON a.fk = b.id WHERE …` along a catalog
    reference, either table first, with conditions on either side; columns or a grouped
    count. A narrowed side next to a whole-table side exercises run-time keyed reads."""
    refs = references(ctx)
    if not refs:
        return single_table(ctx)

    def build(ref: tuple[str, str, str]) -> st.SearchStrategy[Select]:
        left, fk, right = ref
        a, b = ctx.relation(left, "a."), ctx.relation(right, "b.")
        kind = st.sampled_from(["JOIN", "JOIN", "LEFT JOIN", "RIGHT JOIN"])
        # Either table first: constants and run-time keys carry in both directions, and
        # an outer join's preserved side is then either one.
        frm = st.tuples(kind, st.booleans()).map(
            lambda kf: Frag(
                f"{left} AS a {kf[0]} {right} AS b ON a.{ident(fk)} = b.id"
                if kf[1]
                else f"{right} AS b {kf[0]} {left} AS a ON b.id = a.{ident(fk)}"
            )
        )
        conds = st.tuples(
            st.lists(predicate(ctx, a), max_size=2), st.lists(predicate(ctx, b), max_size=2)
        )

        def select(
            f: Frag,
            ab: tuple[list[Frag], list[Frag]],
            ia: list[Item],
            ib: list[Item],
            grouped: bool,
        ) -> Select:
            ps = ab[0] + ab[1]
            w = Frag(" WHERE ") + join(ps, " AND ") if ps else Frag("")
            ia = [replace(i, name=f"l{k}", alias=True) for k, i in enumerate(ia)]
            ib = [replace(i, name=f"r{k}", alias=True) for k, i in enumerate(ib)]
            if grouped:
                key = ia[0]
                items = (key, Item(Frag("count(*)"), "n", "BIGINT", True))
                return Select(items, f, w, Frag(f" GROUP BY {key.sql.sql}"))
            return Select(tuple(ia + ib), f, w)

        return st.builds(
            select, frm, conds, column_items(a, 2), column_items(b, 2), st.booleans()
        ).flatmap(with_order_and_limit)

    return st.sampled_from(refs).flatmap(build)


# -- everything ----------------------------------------------------------------------------


def selects(ctx: Context) -> st.SearchStrategy[Select]:
    """Any query shape: one table (most often), wrapped in a CTE or derived table, a join."""
    return st.one_of(single_table(ctx), single_table(ctx), wrapped(ctx), join_query(ctx))


def queries(ctx: Context) -> st.SearchStrategy[Query]:
    """The fuzzer's queries."""
    return selects(ctx).map(as_query)


def shaped(
    ctx: Context, build: Callable[[Context], st.SearchStrategy[Select]]
) -> st.SearchStrategy[Query]:
    """Queries of one shape, for a targeted search (see test_finds_defects.py)."""
    return build(ctx).map(as_query)
