"""The `stripe-dbapi` command line: query, explain, tables, describe, and its errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.cli import main

CANARY = "sk_test_CANARYcliSecret7788"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_query_prints_a_table(capsys, sandbox):
    code, out, err = run(
        capsys, "query", "--dsn", sandbox.dsn, "SELECT count(*) AS n FROM customers"
    )
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].strip() == "n" and lines[2].strip() == str(len(sandbox.dataset["customers"]))
    assert lines[-1] == "(1 row)"


def test_query_as_json_and_csv(capsys, sandbox):
    sql = "SELECT id, created FROM customers ORDER BY created DESC, id LIMIT 2"
    code, out, _ = run(capsys, "query", "--dsn", sandbox.dsn, "--format", "json", sql)
    rows = json.loads(out)
    assert code == 0 and len(rows) == 2 and rows[0]["created"].endswith("+00:00")
    code, out, _ = run(capsys, "query", "--dsn", sandbox.dsn, "--format", "csv", sql)
    parsed = list(csv.reader(io.StringIO(out)))
    assert parsed[0] == ["id", "created"] and [r[0] for r in parsed[1:]] == [r["id"] for r in rows]


def test_explain(capsys, sandbox):
    code, out, _ = run(capsys, "explain", "--dsn", sandbox.dsn, "SELECT id FROM charges LIMIT 3")
    assert code == 0 and "GET /v1/charges?limit=3" in out


def test_tables_and_describe(capsys):
    code, out, _ = run(capsys, "tables")
    assert code == 0 and out.splitlines()[-1] == f"({len(load_catalog())} rows)"
    code, out, _ = run(capsys, "describe", "customers")
    assert code == 0
    assert any(line.split()[:2] == ["created", "TIMESTAMP"] for line in out.splitlines())


def test_errors_are_one_line_and_exit_1(capsys, sandbox):
    code, out, err = run(capsys, "describe", "custmers")
    assert (code, out) == (1, "")
    assert err == "error: Unknown table `custmers`; did you mean `customers`?\n"
    code, _, err = run(capsys, "query", "--dsn", sandbox.dsn, "DELETE FROM customers")
    assert (
        code == 1
        and err == "error: stripe_dbapi is read-only: DELETE statements are not supported.\n"
    )
    code, _, err = run(capsys, "query", "SELECT 1")
    assert code == 1 and err.startswith("error: Say where to connect")


def test_connection_failure_shows_no_secret(capsys, free_port):
    dsn = f"LiveAPIKey={CANARY};ApiBase=http://127.0.0.1:{free_port};MaxRetries=0"
    code, out, err = run(capsys, "query", "--dsn", dsn, "SELECT 1")
    assert code == 1 and err.startswith("error: Connection unavailable: could not reach Stripe")
    assert CANARY not in out + err


def test_the_installed_command_runs_a_sandbox_query():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stripe_dbapi.cli",
            "query",
            "--sandbox",
            "--format",
            "json",
            "SELECT count(*) AS n FROM charges WHERE amount > 0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["n"] > 0
    assert "Traceback" not in result.stderr


def test_sql_from_standard_input(capsys, monkeypatch, sandbox):
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT 41 + 1 AS answer"))
    code, out, _ = run(capsys, "query", "--dsn", sandbox.dsn, "--format", "json")
    assert code == 0 and json.loads(out) == [{"answer": 42}]


def test_explain_does_not_connect(capsys, free_port):
    dsn = f"LiveAPIKey={CANARY};ApiBase=http://127.0.0.1:{free_port};MaxRetries=0"
    code, out, err = run(capsys, "explain", "--dsn", dsn, "SELECT id FROM charges LIMIT 3")
    assert (code, err) == (0, "") and "GET /v1/charges?limit=3" in out
    code, out, _ = run(capsys, "explain", "SELECT id FROM customers WHERE email = 'a@example.com'")
    assert code == 0 and "email=a@example.com" in out


def test_usage_errors_exit_1(capsys):
    code, _, err = run(capsys, "query", "--bogus")
    assert code == 1 and "unrecognized arguments: --bogus" in err


def test_json_output_has_no_nan(capsys, sandbox):
    code, out, _ = run(
        capsys, "query", "--dsn", sandbox.dsn, "--format", "json", "SELECT 'nan'::DOUBLE AS x"
    )
    assert code == 0 and json.loads(out) == [{"x": None}]


def test_explain_of_a_deeply_nested_query_is_one_error_line(capsys):
    # The PEP 249 guard lives in plan_query, so the CLI's explain path gets it too.
    sql = "SELECT " + "(" * 5000 + "1" + ")" * 5000
    code, out, err = run(capsys, "explain", "--sandbox", sql)
    assert code == 1 and out == ""
    assert err == "error: The query is nested too deeply to plan; simplify its nesting.\n"
