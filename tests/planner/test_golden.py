"""Golden planner tests: a query in, the exact Stripe requests out.

Each `golden/*.sql` file holds cases:

    -- case: what the case shows
    -- params: [json]            (meta lines, `-- key: value`, in any order; optional)
    SELECT … ;                   (the query: everything up to the first section)
    -- sql:                      (optional: the SQL handed to the engine, `plan.sql`)
    SELECT … FROM "__scan_0" …
    -- requests:
    GET /v1/customers?email=a@example.com&limit=100

Meta lines are read generically until the query starts; the keys are `params` (the
query's parameters, JSON), `use_search` (`true` plans with the Search API) and `sqlglot`
(the oldest sqlglot major whose optimizer plans the requests shown: older ones skip the
case, see stripe_dbapi/_compat.py). An unknown key fails the collection rather than being
ignored.

A fan-out reads `FANOUT <parent request> => <child request with {key}>`, with
`EMBEDDED <field>` when child rows come from the parents' embedded lists; a list call read
in parallel time slices after its first page ends with `SLICED BY created`. A scan that
may be read at run time by the keys of another scan reads `KEYED BY <alias.column> ≤<max
calls> => <call with {key}>`, followed by its whole-table read (the fallback). A case that
must fail reads `-- error: ProgrammingError: <message start>` instead of requests.
Run with STRIPE_DBAPI_REGOLD=1 to rewrite the expectations after a deliberate change
(the requests or error, and the `-- sql:` section where a case has one).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlglot

import stripe_dbapi
from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.lockdown import scalar_functions
from stripe_dbapi.query.plan import Call, Plan
from stripe_dbapi.query.planner import plan_query

GOLDEN = Path(__file__).with_name("golden")
REGOLD = os.environ.get("STRIPE_DBAPI_REGOLD") == "1"
# The clock every case is planned at, so a `now()` bound reads the same in every run.
NOW = 1793491200.5  # 2026-11-01 00:00:00.5 UTC

SECTIONS = ("sql", "requests", "error")
_KEY_LINE = re.compile(r"-- ([a-z_]+):(.*)")


def _flag(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"expected true or false, not {text!r}")
    return text == "true"


def _major(text: str) -> int:
    return int(text)


META: dict[str, Callable[[str], Any]] = {
    "params": json.loads,
    "use_search": _flag,
    "sqlglot": _major,
}
SQLGLOT_MAJOR = int(sqlglot.__version__.split(".")[0])


@dataclass
class Case:
    file: Path
    name: str
    sql: str
    params: list | dict | None
    expected: list[str]
    use_search: bool = False
    engine_sql: str | None = None  # the `-- sql:` section, when the case pins it
    meta_lines: tuple[str, ...] = ()  # as written, so that a regold keeps their order
    sqlglot: int | None = None  # the oldest sqlglot major whose optimizer gives `expected`


def _cases() -> list[Case]:
    cases = []
    for file in sorted(GOLDEN.glob("*.sql")):
        for block in re.split(r"\n(?=-- case:)", file.read_text()):
            block = block.strip()
            if block.startswith("-- case:"):
                cases.append(parse_case(file, block))
    return cases


def parse_case(file: Path, block: str) -> Case:
    """One `-- case:` block: its meta lines, the query, then its sections."""
    head, *lines = block.splitlines()
    name = head.removeprefix("-- case:").strip()
    where = f"{file.name}, case {name!r}"
    meta: dict[str, Any] = {}
    meta_lines: list[str] = []
    while lines and (m := _KEY_LINE.fullmatch(lines[0].strip())) and m[1] not in SECTIONS:
        key = m[1]
        if key not in META:
            raise ValueError(f"{where}: unknown meta line `-- {key}:` (known: {sorted(META)})")
        if key in meta:
            raise ValueError(f"{where}: `-- {key}:` given twice")
        meta[key] = META[key](m[2].strip())
        meta_lines.append(lines.pop(0))
    body: dict[str, list[str]] = {"query": []}
    current = "query"
    for line in lines:
        m = _KEY_LINE.fullmatch(line.strip())
        if m and m[1] in SECTIONS:
            current = m[1]
            if current in body:
                raise ValueError(f"{where}: two `-- {current}:` sections")
            body[current] = [m[2].strip()] if m[2].strip() else []
        else:
            body[current].append(line)
    if ("requests" in body) == ("error" in body):
        raise ValueError(f"{where}: needs one `-- requests:` or `-- error:` section")
    if "error" in body:
        if "sql" in body:
            raise ValueError(f"{where}: a failing case has no `-- sql:` to pin")
        expected = ["error: " + "\n".join(body["error"]).strip()]
    else:
        expected = [x for x in body["requests"] if x.strip()]
    engine_sql = "\n".join(body["sql"]).strip() if "sql" in body else None
    return Case(
        file,
        name,
        "\n".join(body["query"]).strip(),
        meta.get("params"),
        expected,
        meta.get("use_search", False),
        engine_sql,
        tuple(meta_lines),
        meta.get("sqlglot"),
    )


def requests_of(plan: Plan) -> list[str]:
    """The plan's Stripe calls, one line each, in plan order."""
    lines = []
    for scan in plan.scans:
        if scan.keyed is not None:
            k = scan.keyed
            keyed = " + ".join(_line(c) for c in k.templates)
            lines.append(f"KEYED BY {k.source_alias}.{k.source_column} ≤{k.max_calls} => {keyed}")
        if scan.fanout is not None:
            fan = scan.fanout
            parents = [_line(c) for c in fan.parent.calls]
            embedded = f" EMBEDDED {fan.embedded}" if fan.embedded else ""
            lines.append(f"FANOUT {' + '.join(parents)} => {_line(fan.template)}{embedded}")
        elif not scan.calls:
            lines.append(f"(no request for {scan.table})")
        lines.extend(_line(c) for c in scan.calls)
    return lines


def _line(call: Call) -> str:
    return call.describe() + (f" SLICED BY {call.slice}" if call.slice else "")


@dataclass
class Outcome:
    lines: list[str]  # the requests, or one `error: …` line
    engine_sql: str | None = None


def _actual(case: Case) -> Outcome:
    try:
        plan = plan_query(
            case.sql,
            load_catalog(),
            case.params,
            use_search=case.use_search,
            scalars=scalar_functions(),
            now=NOW,
        )
        return Outcome(requests_of(plan), plan.sql)
    except stripe_dbapi.Error as exc:
        return Outcome([f"error: {type(exc).__name__}: {exc}"])


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file.stem}: {c.name}" for c in CASES])
def test_golden(case: Case) -> None:
    if case.sqlglot is not None and case.sqlglot > SQLGLOT_MAJOR:
        # An older optimizer plans this shape with less pushdown (still a correct answer,
        # which the driver tests check); the pinned requests are the newer optimizer's.
        pytest.skip(f"these requests need sqlglot {case.sqlglot}'s optimizer")
    actual = _actual(case)
    if REGOLD:
        _rewrite(case, actual)
        return
    if case.expected and case.expected[0].startswith("error: "):
        assert len(actual.lines) == 1 and actual.lines[0].startswith(case.expected[0]), actual
    else:
        assert actual.lines == case.expected
        if case.engine_sql is not None:
            assert actual.engine_sql == case.engine_sql


def _rewrite(case: Case, actual: Outcome) -> None:
    text = case.file.read_text()
    start = text.index(f"-- case: {case.name}\n")
    end = text.find("\n-- case:", start + 1)
    end = len(text) if end < 0 else end + 1
    head = f"-- case: {case.name}\n" + "".join(f"{line}\n" for line in case.meta_lines)
    lines = actual.lines
    if lines and lines[0].startswith("error: "):
        body = f"{case.sql}\n-- error: {lines[0].removeprefix('error: ')}\n"
    else:
        body = f"{case.sql}\n"
        if case.engine_sql is not None:
            body += f"-- sql:\n{actual.engine_sql}\n"
        body += "-- requests:\n" + "".join(f"{line}\n" for line in lines)
    case.file.write_text(
        text[:start] + head + body + ("\n" if end < len(text) else "") + text[end:].lstrip("\n")
    )


def test_every_golden_file_has_cases() -> None:
    assert {c.file.name for c in CASES} == {f.name for f in GOLDEN.glob("*.sql")}


def test_meta_lines_come_in_any_order_and_the_sql_section_is_read(tmp_path: Path) -> None:
    block = (
        "-- case: x\n"
        '-- params: ["a"]\n'
        "-- use_search: true\n"
        "SELECT 1\n"
        "FROM customers\n"
        "-- sql:\n"
        "SELECT 1 FROM t\n"
        "-- requests:\n"
        "GET /v1/customers?limit=100\n"
    )
    swapped = block.replace(
        '-- params: ["a"]\n-- use_search: true\n', '-- use_search: true\n-- params: ["a"]\n'
    )
    for text in (block, swapped):
        case = parse_case(tmp_path / "t.sql", text)
        assert (case.params, case.use_search, case.sql) == (["a"], True, "SELECT 1\nFROM customers")
        assert case.engine_sql == "SELECT 1 FROM t"
        assert case.expected == ["GET /v1/customers?limit=100"]


def test_an_unknown_meta_line_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown meta line `-- param:`"):
        parse_case(tmp_path / "t.sql", "-- case: x\n-- param: []\nSELECT 1\n-- requests:\n")
