"""The engine is a locked room (docs/security.md): SQL may read the Stripe tables and
compute, but may not touch files, settings, logs or extensions, and nothing it does can
break the connection or the process.
"""

from __future__ import annotations

import contextlib
import stat
from pathlib import Path

import pytest
from scripts import run_script

import stripe_dbapi


def refusal(conn: stripe_dbapi.Connection, sql: str) -> stripe_dbapi.Error:
    with pytest.raises(stripe_dbapi.Error) as caught:
        conn.cursor().execute(sql).fetchall()
    return caught.value


def test_enable_logging_to_a_file_is_refused_and_the_process_survives(tmp_path):
    result = run_script(
        f"""
        import stripe_dbapi
        conn = stripe_dbapi.connect("Sandbox=true;SandboxScale=0.02")
        try:
            conn.cursor().execute(
                "SELECT * FROM enable_logging(storage='file', storage_path={str(tmp_path / "logs")!r})"
            ).fetchall()
        except stripe_dbapi.Error as exc:
            print("refused:", type(exc).__name__, exc)
        cur = conn.cursor()
        print("after:", cur.execute("SELECT count(*) FROM customers").fetchall())
        conn.close()
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "refused: NotSupportedError" in result.stdout
    assert "enable_logging" in result.stdout
    assert "after: [(" in result.stdout
    assert not (tmp_path / "logs").exists()


REFUSED_FUNCTIONS = {
    "SELECT * FROM enable_logging(storage='file', storage_path='x')": "enable_logging",
    "SELECT * FROM enable_logging()": "enable_logging",
    "SELECT * FROM enable_profiling()": "enable_profiling",
    "SELECT * FROM disable_logging()": "disable_logging",
    "SELECT * FROM duckdb_logs()": "duckdb_logs",
    "SELECT * FROM duckdb_settings()": "duckdb_settings",
    "SELECT * FROM duckdb_temporary_files()": "duckdb_temporary_files",
    "SELECT * FROM pg_catalog.pg_settings": "pg_settings",
    "SELECT * FROM glob('.tmp/**')": "glob",
    "SELECT * FROM read_text('.tmp/x')": "read_text",
    "SELECT read_text('.tmp/x')": "read_text",
    "SELECT length(main.read_blob('.tmp/x'))": "read_blob",
    "SELECT '.tmp/x'.read_text()": "read_text",
    "SELECT * FROM \"read_text\"('.tmp/x')": "read_text",
    "SELECT * FROM range(3) r, LATERAL read_text('.tmp/' || r.range)": "read_text",
    "SELECT id FROM customers WHERE id IN (SELECT content FROM read_text('.tmp/x'))": "read_text",
    "SELECT * FROM query('SELECT 1')": "query",
    "SELECT * FROM sniff_csv('x')": "sniff_csv",
    "SELECT write_log('x')": "write_log",
    "SELECT current_setting('temp_directory')": "current_setting",
    "SELECT * FROM iceberg_scan('x')": "iceberg_scan",
    "SELECT * FROM read_xlsx('x')": "read_xlsx",
    "SELECT * FROM repeat_row(1, num_rows := 2)": "repeat_row",
    "SELECT * FROM test_all_types()": "test_all_types",
}


@pytest.mark.parametrize("sql", list(REFUSED_FUNCTIONS))
def test_functions_outside_the_allow_list_are_refused_by_name(small_conn, sql):
    exc = refusal(small_conn, sql)
    assert isinstance(exc, stripe_dbapi.NotSupportedError), f"{type(exc).__name__}: {exc}"
    assert REFUSED_FUNCTIONS[sql] in str(exc)


def test_a_kept_verdict_refuses_every_time_with_a_fresh_error(small_conn, monkeypatch):
    # check_sql keeps its verdict per exact text (lockdown._verdict): the text is checked
    # once, and the refusal is raised again each time, never swallowed or shared.
    from stripe_dbapi import lockdown

    checked: list[str] = []
    check = lockdown._check
    monkeypatch.setattr(
        lockdown, "_check", lambda sql, refused: (checked.append(sql), check(sql, refused))
    )
    lockdown._verdict.cache_clear()
    sql = "SELECT * FROM read_text('.tmp/kept')"
    first, second = refusal(small_conn, sql), refusal(small_conn, sql)
    assert isinstance(second, stripe_dbapi.NotSupportedError) and first is not second
    assert str(first) == str(second) and "read_text" in str(second)
    assert len(checked) == 1 and "READ_TEXT('.tmp/kept')" in checked[0]  # the engine's text
    checked.clear()
    lockdown._verdict.cache_clear()
    refused = small_conn.engine.refused_functions
    with pytest.raises(stripe_dbapi.NotSupportedError, match="write_log"):
        lockdown.check_sql("SELECT write_log('x')", refused)
    with pytest.raises(stripe_dbapi.NotSupportedError, match="write_log"):
        lockdown.check_sql("SELECT write_log('x')", refused)
    lockdown.check_sql("SELECT 1", refused)
    lockdown.check_sql("SELECT 1", refused)
    # The verdict belongs to the refused set too: another set checks the text anew.
    lockdown.check_sql("SELECT write_log('x')", frozenset())
    assert checked == ["SELECT write_log('x')", "SELECT 1", "SELECT write_log('x')"]
    long = "SELECT 1" + " " * lockdown.CHECKED_CHARS  # too long to keep: checked each time
    lockdown.check_sql(long, refused)
    lockdown.check_sql(long, refused)
    assert checked[3:] == [long, long]


ALLOWED = {
    "SELECT * FROM range(3)": [(0,), (1,), (2,)],
    "SELECT * FROM generate_series(1, 2)": [(1,), (2,)],
    "SELECT * FROM unnest([1, 2])": [(1,), (2,)],
    'SELECT key FROM json_each(\'{"a": 1, "b": 2}\') ORDER BY key': [("a",), ("b",)],
    "SELECT count(*) FROM json_tree('{\"a\": [1]}')": [(3,)],
    "SELECT repeat('ab', 2), range(2), histogram(x) IS NOT NULL FROM (SELECT 1 AS x)": [
        ("abab", [0, 1], True)
    ],
    "SELECT count(*) FROM customers c, range(2) r": None,
}


@pytest.mark.parametrize("sql", list(ALLOWED))
def test_allowed_table_functions_and_ordinary_functions_work(small_conn, sql):
    rows = small_conn.cursor().execute(sql).fetchall()
    if ALLOWED[sql] is not None:
        assert rows == ALLOWED[sql]


def test_one_cursor_cannot_read_another_cursors_sql_from_the_logs(small_conn):
    spy, victim = small_conn.cursor(), small_conn.cursor()
    with contextlib.suppress(stripe_dbapi.NotSupportedError):
        spy.execute("SELECT * FROM enable_logging()").fetchall()
    victim.execute("SELECT id FROM customers WHERE email = ?", ["canary-4242@example.com"])
    victim.fetchall()
    with pytest.raises(stripe_dbapi.NotSupportedError):
        spy.execute("SELECT message FROM duckdb_logs()").fetchall()
    with pytest.raises(stripe_dbapi.Error):
        spy.execute("SELECT message FROM duckdb_logs").fetchall()


def test_extensions_are_never_installed_or_loaded(small_conn):
    for sql in ("SELECT * FROM iceberg_scan('x')", "SELECT * FROM read_xlsx('x')"):
        exc = refusal(small_conn, sql)
        assert isinstance(exc, stripe_dbapi.NotSupportedError)
        assert "please report" not in str(exc)
    # A scalar function of an extension that is not built in is refused as well.
    exc = refusal(small_conn, "SELECT st_point(1, 2)")
    assert isinstance(exc, (stripe_dbapi.NotSupportedError, stripe_dbapi.ProgrammingError))
    assert "please report" not in str(exc)


def test_the_temp_directory_is_private_and_removed_on_close(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    conn = stripe_dbapi.connect(small.dsn)
    temp = Path(conn._engine.temp_directory)
    assert temp.is_dir()
    assert tmp_path not in temp.parents and Path.cwd() not in temp.parents
    assert stat.S_IMODE(temp.stat().st_mode) == 0o700
    conn.cursor().execute("SELECT count(*) FROM customers").fetchall()
    conn.close()
    assert not temp.exists()
    assert not (tmp_path / ".tmp").exists()


def test_settings_are_locked_after_setup(small_conn):
    con = small_conn._engine._db
    assert con.sql("SELECT current_setting('lock_configuration')").fetchall() == [(True,)]
    assert con.sql("SELECT current_setting('autoinstall_known_extensions')").fetchall() == [
        (False,)
    ]
    assert con.sql("SELECT current_setting('autoload_known_extensions')").fetchall() == [(False,)]
    assert con.sql("SELECT current_setting('enable_external_access')").fetchall() == [(False,)]


def test_first_rows_still_stream_after_the_configuration_is_locked(small, small_conn):
    """Each cursor's small streaming buffer is set before the lock (it cannot be after)."""
    cursors = [small_conn.cursor() for _ in range(3)]
    for cur in cursors:
        assert cur._session.con.sql(
            "SELECT current_setting('streaming_buffer_size')"
        ).fetchall() == [("1000 bytes",)]
        cur.close()
