"""Each output format's exact text for one row holding the awkward values: NULL, a
boolean, a timestamp, a JSON column, a string with quotes and a line break (cli/formats.py,
cli/render.py), run through the real `query` command and cursor."""

from __future__ import annotations

import json

import pytest

from stripe_dbapi.cli import main

AWKWARD = (
    "SELECT NULL::VARCHAR AS nothing, true AS yes, "
    "TIMESTAMPTZ '2026-01-31 09:30:00+00' AS at, "
    """'{"order": {"id": 7}}'::JSON AS meta, 'say "hi"' || chr(10) || 'bye' AS note, """
    "'' AS empty"
)

EXPECTED = {
    "csv": (
        "nothing,yes,at,meta,note,empty\n"
        ',true,2026-01-31T09:30:00+00:00,"{""order"": {""id"": 7}}","say ""hi""\nbye",""\n'
    ),
    "tsv": (
        "nothing\tyes\tat\tmeta\tnote\tempty\n"
        '\\N\ttrue\t2026-01-31T09:30:00+00:00\t{"order": {"id": 7}}\tsay "hi"\\nbye\t\n'
    ),
    "json": (
        "[\n"
        '  {"nothing": null, "yes": true, "at": "2026-01-31T09:30:00+00:00", '
        '"meta": {"order": {"id": 7}}, "note": "say \\"hi\\"\\nbye", "empty": ""}\n'
        "]\n"
    ),
    "ndjson": (
        '{"nothing": null, "yes": true, "at": "2026-01-31T09:30:00+00:00", '
        '"meta": {"order": {"id": 7}}, "note": "say \\"hi\\"\\nbye", "empty": ""}\n'
    ),
    "markdown": (
        "| nothing | yes | at | meta | note | empty |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
        '| NULL | true | 2026-01-31T09:30:00+00:00 | {"order": {"id": 7}} | say "hi"<br>bye |  |\n'
    ),
    "table": (
        "nothing  yes   at                         meta                  note           empty\n"
        "-------  ----  -------------------------  --------------------  -------------  -----\n"
        'NULL     true  2026-01-31T09:30:00+00:00  {"order": {"id": 7}}  say "hi"\\nbye\n'
        "(1 row)\n"
    ),
    "line": (
        "nothing = NULL\n"
        "    yes = true\n"
        "     at = 2026-01-31T09:30:00+00:00\n"
        '   meta = {"order": {"id": 7}}\n'
        '   note = say "hi"\\nbye\n'
        "  empty = \n"
        "(1 row)\n"
    ),
}


@pytest.mark.parametrize("fmt", sorted(EXPECTED))
def test_each_format_writes_the_awkward_row_in_its_own_convention(capsys, sandbox, fmt):
    code = main(["query", "--dsn", sandbox.dsn, "--format", fmt, AWKWARD])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out == EXPECTED[fmt]


def test_json_columns_are_nested_values_not_strings(capsys, sandbox):
    sql = "SELECT id, metadata FROM charges WHERE metadata->>'order_id' IS NOT NULL LIMIT 3"
    code = main(["query", "--dsn", sandbox.dsn, "--format", "json", sql])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0 and len(rows) == 3
    assert all(
        row["metadata"]["order_id"].startswith("ord_") for row in rows
    )  # jq's .metadata.order_id


def test_an_empty_result_is_still_well_formed(capsys, sandbox):
    sql = "SELECT id, amount FROM charges WHERE amount < 0"
    outputs = {}
    for fmt in ("csv", "json", "ndjson", "markdown", "table"):
        assert main(["query", "--dsn", sandbox.dsn, "--format", fmt, sql]) == 0
        outputs[fmt] = capsys.readouterr().out
    assert outputs["csv"] == "id,amount\n"
    assert json.loads(outputs["json"]) == []
    assert outputs["ndjson"] == ""
    assert outputs["markdown"] == "| id | amount |\n| --- | ---: |\n"
    assert outputs["table"].splitlines()[-1] == "(0 rows)"


def test_tables_describe_and_explain_take_every_format_and_cut_nothing_into_a_pipe(capsys):
    assert main(["describe", "--format", "json", "charges"]) == 0
    columns = json.loads(capsys.readouterr().out)
    longest = max(columns, key=lambda c: len(c["description"]))
    assert len(longest["description"]) > 60  # was cut at 60 characters
    assert main(["describe", "charges"]) == 0
    assert longest["description"] in capsys.readouterr().out
    assert main(["tables", "--format", "csv", "invoice"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "table,endpoint,description" and all("invoice" in ln for ln in lines[1:])
    sql = "SELECT c.id FROM charges c JOIN customers u ON c.customer = u.id WHERE u.email = 'a@b.c'"
    assert main(["explain", "--format", "ndjson", sql]) == 0
    steps = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert steps and all(set(step) == set(steps[0]) for step in steps)
    assert main(["explain", sql]) == 0
    table_text = capsys.readouterr().out
    assert all(str(v) in table_text for step in steps for v in step.values() if v)
