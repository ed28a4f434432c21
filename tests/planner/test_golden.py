"""Golden planner tests: a query in, the exact Stripe requests out.

Each `golden/*.sql` file holds cases:

    -- case: what the case shows
    SELECT … ;            (the query; `-- params: [json]` may follow the case line)
    -- requests:
    GET /v1/customers?email=a@example.com&limit=100

A fan-out reads `FANOUT <parent request> => <child request with {key}>`, with
`EMBEDDED <field>` when child rows come from the parents' embedded lists; a list call read
in parallel time slices after its first page ends with `SLICED BY created`. A case that
must fail reads `-- error: ProgrammingError: <message start>` instead of requests.
Run with STRIPE_DBAPI_REGOLD=1 to rewrite the expectations after a deliberate change.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import stripe_dbapi
from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.engine import scalar_functions
from stripe_dbapi.query.plan import Call, Plan
from stripe_dbapi.query.planner import plan_query

GOLDEN = Path(__file__).with_name("golden")
REGOLD = os.environ.get("STRIPE_DBAPI_REGOLD") == "1"
# The clock every case is planned at, so a `now()` bound reads the same in every run.
NOW = 1793491200.5  # 2026-11-01 00:00:00.5 UTC


@dataclass
class Case:
    file: Path
    name: str
    sql: str
    params: list | dict | None
    expected: list[str]
    use_search: bool = False


def _cases() -> list[Case]:
    cases = []
    for file in sorted(GOLDEN.glob("*.sql")):
        for block in re.split(r"\n(?=-- case:)", file.read_text()):
            block = block.strip()
            if not block.startswith("-- case:"):
                continue
            head, _, rest = block.partition("\n")
            params = None
            use_search = False
            if rest.startswith("-- use_search: true"):
                use_search, rest = True, rest.partition("\n")[2]
            if rest.startswith("-- params:"):
                line, _, rest = rest.partition("\n")
                params = json.loads(line.removeprefix("-- params:").strip())
            sql, _, expected = rest.partition("-- requests:")
            if not _:
                sql, _, expected = rest.partition("-- error:")
                expected = "error: " + expected.strip()
            lines = [x for x in expected.strip().splitlines() if x.strip()]
            name = head.removeprefix("-- case:").strip()
            cases.append(Case(file, name, sql.strip(), params, lines, use_search))
    return cases


def requests_of(plan: Plan) -> list[str]:
    """The plan's Stripe calls, one line each, in plan order."""
    lines = []
    for scan in plan.scans:
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


def _actual(case: Case) -> list[str]:
    try:
        plan = plan_query(
            case.sql,
            load_catalog(),
            case.params,
            use_search=case.use_search,
            scalars=scalar_functions(),
            now=NOW,
        )
        return requests_of(plan)
    except stripe_dbapi.Error as exc:
        return [f"error: {type(exc).__name__}: {exc}"]


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file.stem}: {c.name}" for c in CASES])
def test_golden(case: Case) -> None:
    actual = _actual(case)
    if REGOLD:
        _rewrite(case, actual)
        return
    if case.expected and case.expected[0].startswith("error: "):
        assert len(actual) == 1 and actual[0].startswith(case.expected[0]), actual
    else:
        assert actual == case.expected


def _rewrite(case: Case, actual: list[str]) -> None:
    text = case.file.read_text()
    start = text.index(f"-- case: {case.name}\n")
    end = text.find("\n-- case:", start + 1)
    end = len(text) if end < 0 else end + 1
    head = f"-- case: {case.name}\n"
    if case.use_search:
        head += "-- use_search: true\n"
    if case.params is not None:
        head += f"-- params: {json.dumps(case.params)}\n"
    if actual and actual[0].startswith("error: "):
        body = f"{case.sql}\n-- error: {actual[0].removeprefix('error: ')}\n"
    else:
        body = f"{case.sql}\n-- requests:\n" + "".join(f"{line}\n" for line in actual)
    case.file.write_text(
        text[:start] + head + body + ("\n" if end < len(text) else "") + text[end:].lstrip("\n")
    )


def test_every_golden_file_has_cases() -> None:
    assert {c.file.name for c in CASES} == {f.name for f in GOLDEN.glob("*.sql")}
