"""The shell's behaviour for each input (`Shell.handle`, no terminal needed) and its
completion; tests/cli/test_terminal.py drives the real prompt through a pseudo-terminal."""

from __future__ import annotations

import io

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.cli.completion import SqlCompleter
from stripe_dbapi.cli.output import FORMATS
from stripe_dbapi.cli.prompt import ready
from stripe_dbapi.cli.shell import DOT_COMMANDS, Shell


def make_shell(conn) -> tuple[Shell, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Shell(conn, out=out, err=err, quiet=True), out, err


def test_dot_commands_change_the_output_and_read_the_catalog(conn, tmp_path):
    shell, out, err = make_shell(conn)
    assert shell.handle(".mode ndjson")
    assert shell.handle("SELECT 1 AS a; SELECT 'x' AS b;")
    assert out.getvalue() == '{"a": 1}\n{"b": "x"}\n'
    shell.handle(".describe stripe.invoices_lines")
    assert '"column": "invoice"' in out.getvalue() and "(parent key)" in out.getvalue()
    shell.handle(".mode csv")
    shell.handle(".tables checkout_s*")
    assert "checkout_sessions,/v1/checkout/sessions," in out.getvalue()
    target = tmp_path / "result.csv"
    shell.handle(f".output {target}")
    shell.handle("SELECT 2 AS two;")
    shell.handle(".output")
    assert target.read_text() == "two\n2\n"
    assert err.getvalue() == ""
    assert shell.handle(".quit") is False


def test_mistakes_are_one_error_line_and_the_shell_goes_on(conn, tmp_path):
    shell, out, err = make_shell(conn)
    assert shell.handle(".mode fancy")
    assert shell.handle(".nope")
    assert shell.handle("SELECT * FROM custmers;")
    script = tmp_path / "s.sql"
    script.write_text("SELECT 1;\n\nSELECT nope FROM customers;\nSELECT 3;\n")
    assert shell.handle(f".read {script}")
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("error: `.mode` takes one of table, line, csv")
    assert lines[1] == "error: Unknown command `.nope`; `.help` lists them."
    assert lines[2] == "error: Unknown table `custmers`; did you mean `customers`?"
    assert lines[3].startswith(f"error: {script}, line 3: ")
    assert shell.handle("SELECT 5 AS five;") and "five" in out.getvalue()


def test_explain_on_shows_the_plan_before_the_rows(conn):
    shell, out, err = make_shell(conn)
    shell.handle(".explain on")
    shell.handle(".timing on")
    shell.handle("SELECT id FROM customers WHERE email = 'a@example.com';")
    text = out.getvalue()
    assert text.index("GET /v1/customers") < text.index("(0 rows)")
    assert "Run time:" in err.getvalue() and "1 request" in err.getvalue()


def _completions(text: str) -> list[str]:
    """What Tab offers with the cursor at `|` (or at the end)."""
    position = text.index("|") if "|" in text else len(text)
    document = Document(text.replace("|", ""), cursor_position=position)
    completer = SqlCompleter(load_catalog(), DOT_COMMANDS, FORMATS)
    return [c.text for c in completer.get_completions(document, CompleteEvent())]


def test_completion_offers_tables_after_from_and_the_named_tables_columns():
    assert _completions("SELECT * FROM checkout_s") == [
        "checkout_sessions",
        "checkout_sessions_line_items",
    ]
    # Columns of the tables the statement names, wherever the name is.
    assert _completions("SELECT c.amount_ref| FROM charges c") == ["amount_refunded"]
    assert _completions("SELECT amount_r") == []  # no table named yet: no columns
    assert "GROUP BY" in _completions("SELECT 1 GRO") and "group by" in _completions("select 1 gro")


def test_completion_of_dot_commands_and_their_arguments():
    assert _completions(".ti") == [".timing"]
    assert _completions(".mode nd") == ["ndjson"]
    assert _completions(".describe invoices_l") == ["invoices_lines"]


def test_enter_runs_only_a_finished_statement():
    assert ready("SELECT 1;") and ready(".tables") and ready("   ")
    assert not ready("SELECT 1") and not ready("SELECT ';")
