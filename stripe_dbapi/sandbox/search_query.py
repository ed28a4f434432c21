"""Stripe's Search query language: parse a `query` string and test objects against it.

Supported, as Stripe documents it: `field:'value'` (exact, case-insensitive),
`field~'sub'` (substring, at least 3 characters), `field>n`, `<`, `>=`, `<=` on numbers
and times, `-` to negate a clause, `field:null`, nested fields (`billing_details.email`),
`metadata['key']:'value'`, and up to 10 clauses joined by `AND` or by `OR` (not both; a
space alone means `AND`). Pure: no knowledge of tables or the server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

MAX_CLAUSES = 10
Op = Literal[":", "~", ">", "<", ">=", "<="]


class SearchSyntaxError(ValueError):
    """The query is not valid Search query language; the message says where."""


@dataclass(frozen=True)
class Clause:
    """One `[-]field op value` term; `metadata_key` is set for `metadata['key']`."""

    field: tuple[str, ...]
    op: Op
    value: str | float | None
    negated: bool = False
    metadata_key: str | None = None

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return self._test(self._lookup(obj)) != self.negated

    def _lookup(self, obj: Mapping[str, Any]) -> Any:
        if self.metadata_key is not None:
            return (obj.get("metadata") or {}).get(self.metadata_key)
        value: Any = obj
        for part in self.field:
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, Mapping) and "id" in value:
            value = value["id"]
        return value

    def _test(self, actual: Any) -> bool:
        if self.value is None:
            return actual is None or actual == ""
        if actual is None:
            return False
        if self.op == ":":
            if isinstance(self.value, float):
                return _number(actual) == self.value
            return _text(actual).lower() == str(self.value).lower()
        if self.op == "~":
            return str(self.value).lower() in _text(actual).lower()
        number = _number(actual)
        if number is None or not isinstance(self.value, float):
            return False
        return {
            ">": number > self.value,
            "<": number < self.value,
            ">=": number >= self.value,
            "<=": number <= self.value,
        }[self.op]


@dataclass(frozen=True)
class SearchQuery:
    """Clauses joined by one connective."""

    clauses: tuple[Clause, ...]
    connective: Literal["AND", "OR"] = "AND"

    def matches(self, obj: Mapping[str, Any]) -> bool:
        test = all if self.connective == "AND" else any
        return test(c.matches(obj) for c in self.clauses)

    @property
    def fields(self) -> tuple[str, ...]:
        """The top-level field each clause reads (`metadata` for metadata clauses)."""
        return tuple("metadata" if c.metadata_key is not None else c.field[0] for c in self.clauses)


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<meta>metadata\[(?P<mq>['"])(?P<mkey>(?:\\.|(?!(?P=mq)).)*)(?P=mq)\])
    | (?P<field>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<op>>=|<=|[:~<>])
    | (?P<str>(?P<q>['"])(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q))
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<neg>-)
    )""",
    re.VERBOSE,
)


def parse(text: str) -> SearchQuery:
    """Parse a Search query; raises SearchSyntaxError naming the problem."""
    tokens = _tokenize(text)
    clauses: list[Clause] = []
    connectives: set[str] = set()
    i = 0
    while i < len(tokens):
        if clauses:
            kind, value = tokens[i]
            if kind == "field" and value in ("AND", "OR"):
                connectives.add(str(value))
                i += 1
            else:
                connectives.add("AND")
        clause, i = _clause(tokens, i, text)
        clauses.append(clause)
    if not clauses:
        raise SearchSyntaxError(
            "The search query is empty; give at least one clause such as email:'jenny@example.com'."
        )
    if len(connectives) > 1:
        raise SearchSyntaxError(
            "Combining `AND` and `OR` in the same search query is not supported."
        )
    if len(clauses) > MAX_CLAUSES:
        raise SearchSyntaxError(
            f"A search query may have at most {MAX_CLAUSES} clauses, not {len(clauses)}."
        )
    return SearchQuery(tuple(clauses), "OR" if connectives == {"OR"} else "AND")


def _tokenize(text: str) -> list[tuple[str, str | float]]:
    tokens: list[tuple[str, str | float]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SearchSyntaxError(
                f"Unexpected character at position {pos} of the search query: {text[pos : pos + 10]!r}."
            )
        if m.group("meta"):
            tokens.append(("meta", _unescape(m.group("mkey"))))
        elif m.group("field"):
            tokens.append(("field", m.group("field")))
        elif m.group("op"):
            tokens.append(("op", m.group("op")))
        elif m.group("str") is not None:
            tokens.append(("str", _unescape(m.group("text"))))
        elif m.group("num"):
            if tokens and tokens[-1][0] != "op":
                # "-123" after a clause is a negation followed by a field, not a number.
                tokens.append(("neg", "-"))
                tokens.append(("num", float(m.group("num")[1:])))
            else:
                tokens.append(("num", float(m.group("num"))))
        else:
            tokens.append(("neg", "-"))
        pos = m.end()
    return tokens


def _clause(tokens: list[tuple[str, str | float]], i: int, text: str) -> tuple[Clause, int]:
    negated = False
    if i < len(tokens) and tokens[i][0] == "neg":
        negated, i = True, i + 1
    if i + 3 > len(tokens):
        raise SearchSyntaxError(f"Incomplete clause at the end of the search query {text!r}.")
    (fkind, fval), (okind, oval), (vkind, vval) = tokens[i : i + 3]
    if fkind not in ("field", "meta"):
        raise SearchSyntaxError(f"Expected a field name in the search query, found {fval!r}.")
    if okind != "op":
        raise SearchSyntaxError(
            f"Expected one of : ~ > < >= <= after `{fval}` in the search query."
        )
    op: Op = oval  # type: ignore[assignment]
    value: str | float | None
    if vkind == "field" and vval == "null":
        if op != ":":
            raise SearchSyntaxError(f"`null` can only be matched with `:` (as in {fval}:null).")
        value = None
    elif vkind == "str":
        value = str(vval)
        if op == "~" and len(value) < 3:
            raise SearchSyntaxError(
                f"Substring search on `{fval}` needs at least 3 characters, not {value!r}."
            )
        if op in (">", "<", ">=", "<="):
            try:
                value = float(value)
            except ValueError:
                raise SearchSyntaxError(f"`{fval}{op}` needs a number, not {value!r}.") from None
    elif vkind == "num":
        value = float(vval)
        if op == "~":
            raise SearchSyntaxError(f"Substring search on `{fval}` needs a quoted string.")
    else:
        raise SearchSyntaxError(
            f"Expected a quoted value after `{fval}{op}` in the search query, found {vval!r}."
        )
    if fkind == "meta":
        return Clause(("metadata",), op, value, negated, metadata_key=str(fval)), i + 3
    return Clause(tuple(str(fval).split(".")), op, value, negated), i + 3


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
