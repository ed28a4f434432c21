"""The statement gate: SQL text → one read-only query tree, or a PEP 249 error. Pure.

The driver is read-only and runs one statement at a time. A statement that is not a query
is refused here, before anything is planned: writes and DuckDB's own commands with
NotSupportedError, text that starts no statement at all (a misspelt `SELEC`) with a
ProgrammingError that points at the word, since sqlglot would otherwise read `SELEC * FRM`
as a multiplication of two columns.
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.tokens import TokenType

from stripe_dbapi.catalog.model import DIALECT
from stripe_dbapi.exceptions import NotSupportedError, ProgrammingError

TOO_DEEP = "The query is nested too deeply to plan; simplify its nesting."

_EXPLAIN_RE = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*explain(\s+analyze)?\s+", re.IGNORECASE | re.DOTALL
)
_WRITES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Copy,
    exp.TruncateTable,
    exp.Attach,
    exp.Detach,
)
# First tokens that are no keyword at all: such text starts no statement.
_NOT_A_STATEMENT = {
    TokenType.VAR,
    TokenType.IDENTIFIER,
    TokenType.NUMBER,
    TokenType.STRING,
    TokenType.PARAMETER,
    TokenType.PLACEHOLDER,
}


class _QuietCommandFallback(logging.Filter):
    """sqlglot warns on stderr when it parses unsupported syntax as a raw command; the
    gate refuses such statements with a clear error of its own, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "contains unsupported syntax" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_QuietCommandFallback())


def split_explain(sql: str) -> tuple[bool, str]:
    """(True, the query) for `EXPLAIN <query>` (comments before it allowed), else (False, sql)."""
    match = _EXPLAIN_RE.match(sql)
    return (True, sql[match.end() :]) if match else (False, sql)


def parse(sql: str) -> exp.Expr:
    """The one query `sql` holds, parsed in DuckDB's dialect."""
    if not sql.strip():
        raise ProgrammingError("The query is empty.")
    _check_first_word(sql)
    try:
        statements = [s for s in sqlglot.parse(sql, dialect=DIALECT) if s is not None]
    except ParseError as exc:
        raise ProgrammingError(f"SQL syntax error{_where(exc)}") from None
    except TokenError as exc:
        raise ProgrammingError(f"SQL syntax error: {_first_line(exc)}") from None
    except RecursionError:
        raise ProgrammingError(TOO_DEEP) from None
    except (SqlglotError, ValueError) as exc:
        raise ProgrammingError(f"The query could not be parsed: {_first_line(exc)}") from None
    if not statements:
        raise ProgrammingError("The query is empty.")
    if len(statements) > 1:
        raise ProgrammingError("Only one statement can be executed at a time.")
    tree = statements[0]
    if isinstance(tree, _WRITES) or (
        isinstance(tree, exp.Command) and str(tree.this).upper() in ("INSERT", "UPDATE", "DELETE")
    ):
        kind = tree.key.upper() if not isinstance(tree, exp.Command) else str(tree.this).upper()
        raise NotSupportedError(f"stripe_dbapi is read-only: {kind} statements are not supported.")
    if not isinstance(tree, (exp.Query, exp.Pivot)):  # DuckDB's PIVOT statement reads too
        kind = str(tree.this).upper() if isinstance(tree, exp.Command) else tree.key.upper()
        raise NotSupportedError(
            f"stripe_dbapi runs read-only queries (SELECT, WITH …, EXPLAIN); {kind} statements "
            "are not supported."
        )
    return tree


def _check_first_word(sql: str) -> None:
    """A ProgrammingError naming the first word when it is no SQL keyword (`SELEC`)."""
    try:
        tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(sql)
    except (TokenError, SqlglotError, ValueError, RecursionError):
        return  # the parser says what is wrong, with its position
    if not tokens or tokens[0].token_type not in _NOT_A_STATEMENT:
        return
    first = tokens[0]
    column = max(1, first.col - len(first.text) + 1)
    raise ProgrammingError(
        f"SQL syntax error at line {first.line}, column {column}: `{first.text}` starts no "
        "statement; a query starts with SELECT, WITH, FROM, VALUES, TABLE or PIVOT."
    )


def _where(exc: ParseError) -> str:
    """` at line L, column C: <what>` from sqlglot's structured error, without token dumps."""
    if not exc.errors:
        return f": {_first_line(exc)}"
    err = exc.errors[0]
    what = re.sub(
        r"<Token token_type: [^,]+, text: ([^,]*),.*?>", r"`\1`", str(err.get("description", ""))
    )
    return f" at line {err.get('line')}, column {err.get('col')}: {what}"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
