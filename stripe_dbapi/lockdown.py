"""The locked room's SQL check: which functions and views a query may use. Pure over
DuckDB's own catalogue (docs/architecture.md, principle 9; docs/security.md lists them).

SQL may read the Stripe tables and compute. Table functions are allowed by a list; every
other table function or pragma DuckDB knows, the functions that read settings, variables
or logs, and the views over the engine's own state are refused by name with a
NotSupportedError. DuckDB's catalogue also proves which functions are scalar, which the
planner needs before it runs a query page by page.
"""

from __future__ import annotations

import functools

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from stripe_dbapi.catalog.model import DIALECT
from stripe_dbapi.exceptions import Error, NotSupportedError, ProgrammingError

# Table functions SQL may call (docs/security.md); every other one is refused by name.
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {"range", "generate_series", "unnest", "json_each", "json_tree"}
)
# Scalar functions that read or write settings, variables or logs.
REFUSED_SCALARS = frozenset({"current_setting", "getvariable", "write_log"})
# Views over the engine's own state (settings, logs, secrets …), in any schema.
REFUSED_TABLE_PREFIXES = ("duckdb_", "pg_settings")

REFUSED = "stripe_dbapi does not allow that from SQL: "


def refused_function_names(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Every table function DuckDB knows that is not allowed, plus the refused scalars.

    Names that are also ordinary functions (`repeat`, `histogram`) stay callable as such;
    the tree check refuses them where they would be table functions, in FROM.
    """
    rows = con.sql(
        "SELECT function_name, list(DISTINCT function_type) FROM duckdb_functions() GROUP BY 1"
    ).fetchall()
    table_kinds = {"table", "table_macro", "pragma"}
    refused = {
        name.lower()
        for name, kinds in rows
        if set(kinds) <= table_kinds and name.lower() not in ALLOWED_TABLE_FUNCTIONS
    }
    return frozenset(refused | REFUSED_SCALARS)


def check_sql(sql: str, refused_functions: frozenset[str]) -> None:
    """Refuse SQL that calls a function outside the locked room, naming it.

    Two checks on the exact text DuckDB will run: every name followed by `(` (a call in
    any position, `x.f()` and quoted names included) against the refused functions, and
    the sqlglot tree, where every table function in FROM must be on the allow-list (this
    also refuses functions of extensions that are not loaded) and no view over the
    engine's own state may be read. The verdict is a pure function of the text and the
    refused set, so it is kept for the last CHECKED texts (of at most CHECKED_CHARS
    characters, so the cache stays small); a refusal is raised every time, as a fresh
    exception.
    """
    if len(sql) <= CHECKED_CHARS:
        verdict = _verdict(sql, refused_functions)
    else:
        verdict = _verdict.__wrapped__(sql, refused_functions)
    if verdict is not None:
        error, message = verdict
        raise error(message)


CHECKED = 256  # verdicts kept (a query's text includes its parameters' values)
CHECKED_CHARS = 20_000  # longer texts are checked every time, never kept


@functools.lru_cache(maxsize=CHECKED)
def _verdict(sql: str, refused_functions: frozenset[str]) -> tuple[type[Error], str] | None:
    """None when `sql` may run, else the error class and message that refuse it."""
    try:
        _check(sql, refused_functions)
    except (NotSupportedError, ProgrammingError) as exc:
        return type(exc), exc.message
    return None


def _check(sql: str, refused_functions: frozenset[str]) -> None:
    try:
        tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(sql)
    except (SqlglotError, ValueError, RecursionError) as exc:
        raise ProgrammingError(f"The query could not be checked: {exc}") from None
    for prev, tok, nxt in zip([None, *tokens], tokens, [*tokens[1:], None]):
        if nxt is None or nxt.token_type != TokenType.L_PAREN:
            continue
        if prev is not None and prev.token_type == TokenType.ALIAS:
            continue  # `AS t(a, b)`: column names of an alias
        if tok.text.lower() in refused_functions:
            raise NotSupportedError(f"{REFUSED}the function `{tok.text.lower()}`.")
    try:
        tree = sqlglot.Dialect.get_or_raise(DIALECT).parser().parse(tokens, sql)
    except (SqlglotError, ValueError, RecursionError) as exc:
        raise ProgrammingError(f"The query could not be checked: {exc}") from None
    for statement in tree:
        if statement is not None:
            _check_tree(statement)


def _check_tree(tree: exp.Expr) -> None:
    for node in tree.walk():
        if isinstance(node, exp.Table):
            if isinstance(node.this, exp.Identifier):
                name = node.name.lower()
                if name.startswith(REFUSED_TABLE_PREFIXES):
                    raise NotSupportedError(f"{REFUSED}the view `{name}`.")
            elif node.this is not None:
                _check_table_function(node.this)
        elif isinstance(node, exp.Lateral) and isinstance(node.this, exp.Func):
            _check_table_function(node.this)


def _check_table_function(func: exp.Expr) -> None:
    if isinstance(func, (exp.GenerateSeries, exp.Unnest)):
        return  # range(…), generate_series(…), unnest(…)
    if isinstance(func, exp.Anonymous):
        name = func.name.lower()
    elif isinstance(func, exp.Func):
        name = func.sql_name().lower()
    else:
        name = type(func).__name__.lower()
    if name not in ALLOWED_TABLE_FUNCTIONS:
        raise NotSupportedError(f"{REFUSED}the table function `{name}`.")


@functools.lru_cache(maxsize=1)
def scalar_functions() -> frozenset[str]:
    """Names of DuckDB's scalar functions that are no aggregate, window or table function.

    Read once per process from DuckDB's own catalogue (`duckdb_functions()`), the same
    for every database; the planner's proof that a query may run page by page.
    """
    with duckdb.connect(":memory:") as db:
        rows = db.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_type = 'scalar' "
            "EXCEPT SELECT function_name FROM duckdb_functions() "
            "WHERE function_type <> 'scalar'"
        ).fetchall()
    return frozenset(str(name).lower() for (name,) in rows)
