"""`stripe-dbapi query` scripts, `--version`, and `describe` reading names as SQL does."""

from __future__ import annotations

import io
import json

from stripe_dbapi import __version__
from stripe_dbapi.cli import main
from stripe_dbapi.cli.script import Statement, is_complete, split


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, f"stripe-dbapi {__version__}\n")


def test_no_command_means_the_shell_at_a_terminal_and_a_script_otherwise(monkeypatch):
    from stripe_dbapi.cli import _with_command

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT 1;"))
    assert _with_command(["--sandbox"]) == ["query", "--sandbox"]
    monkeypatch.setattr("sys.stdin", Tty())
    monkeypatch.setattr("sys.stdout", Tty())
    assert _with_command([]) == ["shell"]
    assert _with_command(["--connection", "prod"]) == ["shell", "--connection", "prod"]
    assert _with_command(["tables"]) == ["tables"]
    assert _with_command(["--version"]) == ["--version"]


def test_a_script_is_split_at_semicolons_outside_strings_and_comments():
    text = "SELECT 'a;b' -- not; the end\n, 2;\n\n/* c; */ SELECT \"q;\" ;;\n"
    assert split(text) == [
        Statement("SELECT 'a;b' -- not; the end\n, 2", 1),
        Statement('/* c; */ SELECT "q;"', 4),
    ]
    assert is_complete("SELECT 1; -- done") and not is_complete("SELECT ';'")


def test_several_statements_on_stdin_run_in_order(capsys, monkeypatch, sandbox):
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT 1 AS a;\nSELECT 2 AS b;\n"))
    code, out, err = run(capsys, "query", "--dsn", sandbox.dsn, "--format", "ndjson")
    assert (code, err) == (0, "")
    assert out == '{"a": 1}\n{"b": 2}\n'


def test_a_script_file_stops_at_the_first_error_with_its_line(capsys, sandbox, tmp_path):
    path = tmp_path / "report.sql"
    path.write_text(
        "SELECT 1 AS a;\n\n-- the next one is wrong\nSELECT *\nFROM custmers;\nSELECT 3 AS c;\n"
    )
    code, out, err = run(capsys, "query", "--dsn", sandbox.dsn, "--format", "csv", "-f", str(path))
    assert code == 1
    assert out == "a\n1\n"  # the first statement ran, the third never did
    assert err == (f"error: {path}, line 4: Unknown table `custmers`; did you mean `customers`?\n")


def test_stdin_errors_name_the_line_too(capsys, monkeypatch, sandbox):
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT 1;\nSELEC 2;\n"))
    code, _, err = run(capsys, "query", "--dsn", sandbox.dsn)
    assert code == 1 and err.startswith("error: line 2: ")


def test_a_script_and_an_argument_together_are_refused(capsys, sandbox, tmp_path):
    path = tmp_path / "q.sql"
    path.write_text("SELECT 1;")
    code, _, err = run(capsys, "query", "--dsn", sandbox.dsn, "-f", str(path), "SELECT 2")
    assert code == 1 and "not both" in err
    code, _, err = run(capsys, "query", "--dsn", sandbox.dsn, "-f", str(tmp_path / "none.sql"))
    assert code == 1 and err.startswith("error: Cannot read the script")


def test_describe_shows_the_parent_key_of_a_child_table_as_pushed_down(capsys):
    code, out, _ = run(capsys, "describe", "--format", "json", "invoices_lines")
    pushdown = {c["column"]: c["pushdown"] for c in json.loads(out)}
    assert code == 0 and pushdown["invoice"] == "= / IN (parent key)"


def test_describe_takes_the_table_as_sql_names_it(capsys):
    for name in ("stripe.charges", "STRIPE.Charges", '"stripe"."charges"', "Charges"):
        code, out, err = run(capsys, "describe", "--format", "csv", name)
        assert (code, err) == (0, ""), name
        assert out.splitlines()[1].startswith("id,VARCHAR,")
    code, _, err = run(capsys, "describe", "other.charges")
    assert code == 1 and err.startswith("error: Unknown table `other.charges`")
