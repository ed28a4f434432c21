"""A page becomes the batch that one column at a time would build (scan/arrow.py, issue #15).

`to_batch` builds the columns of one raw type with one `pa.array` call and the nested
columns' JSON text with one encode call; whatever that cannot take exactly goes column by
column. `_reference` below is the value-at-a-time definition (`_coerce`, one value made
the cell that holds it exactly): every batch, on the sandbox's pages of every table and on
the edge cases of Stripe's JSON, must equal it, schema, values, nulls and JSON text alike,
and a value no cell holds exactly fails both.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import pyarrow as pa
import pytest

import stripe_dbapi
from stripe_dbapi import jsoncodec
from stripe_dbapi._typing import Rows
from stripe_dbapi.catalog import Table, load_catalog
from stripe_dbapi.query.planner import plan_query
from stripe_dbapi.sandbox.api import SandboxAPI
from stripe_dbapi.sandbox.data import generate
from stripe_dbapi.sandbox.params import parse_query
from stripe_dbapi.scan.arrow import _coerce, raw_schema, to_batch

CATALOG = load_catalog()
CHARGES = CATALOG.tables["charges"]
# A column of every raw type: string, int64 (BIGINT and TIMESTAMP), bool, and JSON text.
COLUMNS = ("id", "amount", "customer", "captured", "metadata", "created", "outcome", "description")


def _reference(
    rows: Rows, table: Table, columns: Sequence[str], fill: Sequence[tuple[str, str]] = ()
) -> pa.RecordBatch:
    """One `pa.array` per column of the values `_coerce` makes; nested values encoded one by one."""
    schema = raw_schema(table, columns)
    fills = dict(fill)
    arrays = []
    for field in schema:
        values = [row.get(field.name) for row in rows]
        if field.name in fills:
            values = [fills[field.name] if v is None else v for v in values]
        if table.column(field.name).type == "JSON":  # type: ignore[union-attr]
            arrays.append(
                pa.array([None if v is None else jsoncodec.dumps(v) for v in values], field.type)
            )
            continue
        if pa.types.is_timestamp(field.type):  # unix seconds, within DuckDB's timestamps
            seconds = [_coerce(v, pa.int64()) for v in values]
            if any(s is not None and abs(s) > (2**63 - 1) // 1_000_000 for s in seconds):
                raise ValueError("a timestamp out of range")
            arrays.append(pa.array(seconds, pa.int64()).cast(field.type))
            continue
        arrays.append(pa.array([_coerce(v, field.type) for v in values], type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _same(
    rows: Rows, table: Table = CHARGES, columns: Sequence[str] = COLUMNS, fill: Any = ()
) -> list[dict]:
    """The batch's rows, after checking it equals the reference's exactly."""
    got = to_batch(rows, table, columns, fill)
    want = _reference(rows, table, columns, fill)
    got.validate(full=True)
    assert got.schema == want.schema
    assert got.equals(want)
    assert repr(got.to_pylist()) == repr(want.to_pylist())  # NaN and -0.0 compared as text
    return got.to_pylist()


_EDGES: dict[str, Rows] = {
    "missing keys": [{"id": "ch_1"}, {}, {"amount": 5}],
    "nulls": [{"id": None, "amount": None, "metadata": None, "captured": None}],
    "expanded objects where ids are expected": [
        {"customer": {"id": "cus_1", "object": "customer"}},
        {"customer": {"object": "customer"}},
        {"customer": ["cus_1"]},
        {"customer": "cus_2"},
    ],
    "integers at and beyond 64 bits": [
        {"amount": 2**63 - 1, "metadata": {"n": 2**70, "m": -(2**80)}},
        {"amount": -(2**63)},
    ],
    "bools in int and string columns": [
        {"amount": True, "created": False, "description": False, "captured": 1}
    ],
    "whole floats in int and bool columns": [
        {"amount": 1.0, "created": 2.0, "captured": 0.0},
        {"amount": 3, "captured": 1},
    ],
    "strings in int and bool columns": [{"amount": "12", "created": "-7", "captured": "TRUE"}],
    "numbers in string columns": [{"id": 12, "description": 1.5}],
    "unicode and escapes": [
        {"id": "é\u2028😀", "metadata": {"k": 'é\u2028😀\n\t"\\\x00/'}, "description": "\x1f"}
    ],
    "NaN and Infinity in JSON columns": [
        {"metadata": math.nan},
        {"metadata": {"a": math.nan, "b": math.inf, "c": -math.inf}},
        {"metadata": None, "outcome": [math.nan]},
    ],
    "scalars in JSON columns": [
        {"metadata": "text", "outcome": 5},
        {"metadata": [], "outcome": {}},
    ],
    "one row": [{"id": "ch_1", "amount": 1, "metadata": {}}],
    "no rows": [],
}


@pytest.mark.parametrize("fill", [(), (("customer", "cus_f"), ("description", "d"))])
@pytest.mark.parametrize("case", sorted(_EDGES))
def test_edge_cases_build_the_reference_batch(case: str, fill: Any) -> None:
    _same(_EDGES[case], fill=fill)


def _seconds(created: Any) -> int | None:
    """A TIMESTAMP cell as the unix seconds Stripe sent."""
    return None if created is None else int(created.timestamp())


def test_the_values_of_the_edge_cases() -> None:
    """What the reference itself answers, pinned, so that both cannot drift together."""
    rows = _same(_EDGES["expanded objects where ids are expected"])
    assert [r["customer"] for r in rows] == ["cus_1", '{"object":"customer"}', '["cus_1"]', "cus_2"]
    rows = _same(_EDGES["integers at and beyond 64 bits"])
    assert [r["amount"] for r in rows] == [2**63 - 1, -(2**63)]
    assert rows[0]["metadata"] == f'{{"n":{2**70},"m":{-(2**80)}}}'
    rows = _same(_EDGES["whole floats in int and bool columns"])
    assert [(r["amount"], _seconds(r["created"]), r["captured"]) for r in rows] == [
        (1, 2, False),
        (3, None, True),
    ]
    rows = _same(_EDGES["strings in int and bool columns"])
    assert (rows[0]["amount"], _seconds(rows[0]["created"]), rows[0]["captured"]) == (12, -7, True)
    rows = _same(_EDGES["bools in int and string columns"])
    assert (rows[0]["amount"], _seconds(rows[0]["created"]), rows[0]["description"]) == (
        1,
        0,
        "false",
    )
    assert rows[0]["captured"] is True
    rows = _same(_EDGES["missing keys"])
    assert [r["id"] for r in rows] == ["ch_1", None, None] and rows[2]["amount"] == 5
    assert all(r["metadata"] is None for r in rows)  # SQL NULL, not the JSON text null
    rows = _same(_EDGES["unicode and escapes"])
    assert rows[0]["id"] == "é\u2028😀"
    assert rows[0]["metadata"] == '{"k":"é\u2028😀\\n\\t\\"\\\\\\u0000/"}'  # UTF-8, not \u00e9
    rows = _same(_EDGES["NaN and Infinity in JSON columns"])
    # A NaN is the JSON text `null`, a value; a missing or null field is SQL NULL.
    assert [r["metadata"] for r in rows] == ["null", '{"a":null,"b":null,"c":null}', None]
    assert rows[2]["outcome"] == "[null]"
    rows = _same(_EDGES["scalars in JSON columns"])
    assert [(r["metadata"], r["outcome"]) for r in rows] == [('"text"', "5"), ("[]", "{}")]
    rows = _same(_EDGES["missing keys"], fill=(("customer", "cus_f"),))
    assert [r["customer"] for r in rows] == ["cus_f"] * 3


def test_a_page_decoded_by_json_with_nan_builds_the_reference_batch() -> None:
    """NaN is not JSON: msgspec refuses it and jsoncodec reads the page with `json`."""
    page = jsoncodec.loads(
        b'{"data": [{"id": "a", "metadata": {"x": NaN}}, {"id": "b", "metadata": NaN}]}'
    )
    rows = _same(page["data"])
    assert [r["metadata"] for r in rows] == ['{"x":null}', "null"]


_UNFIT_EDGES: dict[str, Rows] = {
    "a fraction in an int column": [{"id": "ch_1", "amount": 1}, {"id": "ch_2", "amount": 1.5}],
    "an integer beyond 64 bits": [{"id": "ch_2", "amount": 2**64}],
    "Infinity in an int column": [{"id": "ch_2", "created": math.inf}],
    "seconds beyond DuckDB's timestamps": [{"id": "ch_1", "created": 1}, {"id": "ch_2", "created": 2**62}],
    "text in an int column": [{"id": "ch_2", "amount": "1.0"}],
    "a number other than 0 or 1 in a bool column": [{"id": "ch_2", "captured": 2}],
    "an unpaired surrogate in text": [{"id": "ch_2", "description": "\ud800"}],
    "an unpaired surrogate in JSON": json.loads('[{"id": "ch_2", "metadata": {"k": "\\ud800"}}]'),
}


@pytest.mark.parametrize("case", sorted(_UNFIT_EDGES))
def test_a_value_no_cell_holds_exactly_fails_both_and_is_named(case: str) -> None:
    """The reference refuses it too, and the batch's DataError names the column and the
    object: a NULL or a rounded number would be a wrong answer (docs/errors.md)."""
    rows = _UNFIT_EDGES[case]
    with pytest.raises(ValueError):
        _reference(rows, CHARGES, COLUMNS)
    with pytest.raises(stripe_dbapi.DataError, match=r"`charges\.\w+` \(.*\) cannot hold exactly, in ch_2"):
        to_batch(rows, CHARGES, COLUMNS)


@pytest.fixture(scope="module")
def api() -> SandboxAPI:
    return SandboxAPI(generate(seed=3, scale=0.1, catalog=CATALOG))


@pytest.mark.parametrize(
    "table",
    sorted(
        name
        for name, t in CATALOG.tables.items()
        if t.single is None and "{" not in t.list_path and not t.missing_required(())
    ),
)
def test_sandbox_pages_build_the_reference_batch(api: SandboxAPI, table: str) -> None:
    """Every column of the table, on the first page of each call of its plain scan."""
    meta = CATALOG.tables[table]
    scan = plan_query(f"SELECT * FROM {table}", CATALOG).scans[0]
    for call in scan.calls:
        params = parse_query(urlencode(call.params))
        rows = jsoncodec.loads(api.respond("GET", call.path, params))["data"]
        _same(rows, meta, scan.columns, call.filled)
