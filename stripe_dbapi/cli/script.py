"""A script of SQL statements split at its semicolons, each with the line it starts on.

`query -f FILE`, several statements on standard input, `.read FILE` in the shell and the
shell's "is this statement finished?" all need the same split. It is done with the
planner's own tokenizer (DuckDB's dialect), so a `;` inside a string, a quoted name or a
comment never ends a statement, whatever quoting the dialect knows.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot.errors import TokenError
from sqlglot.tokens import TokenType

from stripe_dbapi.catalog.model import DIALECT


@dataclass(frozen=True)
class Statement:
    """One statement of a script: its text (no `;`) and the line it starts on (from 1)."""

    sql: str
    line: int


def split(script: str) -> list[Statement]:
    """The statements of `script` in order; empty ones (`;;`, only comments) left out.

    A script the tokenizer cannot read (an unterminated string) is one statement, so
    that the planner reports the mistake with its own message.
    """
    try:
        tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(script)
    except TokenError:
        text = script.strip()
        return [Statement(text, _first_line(script))] if text else []
    statements: list[Statement] = []
    start = 0
    first: int | None = None  # the line of the statement's first token
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if first is not None:
                statements.append(Statement(script[start : token.start].strip(), first))
            start, first = token.end + 1, None
        elif first is None:
            first = token.line
    if first is not None:
        statements.append(Statement(script[start:].strip(), first))
    return statements


def is_complete(text: str) -> bool:
    """True when `text` ends a statement: its last token is `;` (a trailing comment may
    follow). An unterminated string or comment is not complete."""
    try:
        tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(text)
    except TokenError:
        return False
    if not tokens or tokens[-1].token_type != TokenType.SEMICOLON:
        return False
    # A `/*` left open after the `;` tokenizes as text the tokenizer skipped: not finished.
    return "/*" not in text[tokens[-1].end + 1 :] or "*/" in text[tokens[-1].end + 1 :]


def _first_line(script: str) -> int:
    stripped = script.lstrip()
    return script[: len(script) - len(stripped)].count("\n") + 1
