"""The command line as a person at a terminal meets it, through a real pseudo-terminal
(pexpect): the shell, results fitted to the screen, the pager; and as scripts meet it
through real pipes and signals: `| head -1`, Ctrl-C's exit status 130.

Each test is one process or one shell session, to keep the suite quick.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pexpect
import pytest
from scripts import ROOT

from stripe_dbapi.sandbox import SandboxServer, start_sandbox

PROMPT = "stripe>"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def slow() -> Iterator[SandboxServer]:
    """A sandbox answering each request after 300 ms: a full charges scan, one page at a
    time (MaxConcurrency=1), takes about 15 s."""
    srv = start_sandbox(seed=0, scale=1.0, latency_ms="300:300")
    try:
        yield srv
    finally:
        srv.stop()


def _slow_dsn(srv: SandboxServer) -> str:
    return srv.dsn + ";MaxConcurrency=1"


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PROMPT_TOOLKIT_NO_CPR": "1",  # no cursor-position request the test would answer
        "TERM": "xterm",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PAGER": "",
        **extra,
    }
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return env


def _spawn(tmp_path, *argv: str, **env: str) -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "stripe_dbapi.cli", *argv],
        env=_env(tmp_path, **env),
        cwd=str(tmp_path),
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=60,
    )
    return child


def _charges_requested(srv: SandboxServer, timeout: float = 60) -> None:
    """Wait until the scan of charges has begun (the query is running, not starting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(r.path == "/v1/charges" for r in srv.requests):
            return
        time.sleep(0.05)
    pytest.fail("the query never reached the sandbox")


def _screen_lines(text: str) -> list[str]:
    """The lines a terminal would show: a carriage return overwrites (the progress line
    is redrawn, then erased, in place)."""
    lines = [line.rstrip("\r").split("\r")[-1] for line in text.split("\n")]
    return [line for line in lines if line]


def test_the_shell_session(tmp_path, slow):
    slow.reset_log()
    child = _spawn(tmp_path, "shell", "--dsn", _slow_dsn(slow))
    try:
        child.expect(PROMPT)
        # A statement over two lines runs once it ends with `;`.
        child.send("SELECT 6 * 7\r")
        child.expect(r"\.\.\.>")
        child.send("AS answer;\r")
        child.expect(r"answer\s+-+\s+42\s+\(1 row\)")
        child.expect(PROMPT)
        # Tab completes a table name from the catalog.
        child.send("SELECT id FROM balance_tr\t")
        child.expect("ansactions")  # the screen redraws only what Tab added
        child.send(" WHERE id = 'txn_none';\r")  # one retrieve, not a scan
        child.expect(r"\(0 rows\)")
        child.expect(PROMPT)
        # .mode and .timing.
        child.send(".mode csv\r")
        child.expect(PROMPT)
        child.send(".timing on\r")
        child.expect(PROMPT)
        child.send("SELECT 1 AS x, NULL AS y;\r")
        child.expect(r"x,y\r\n1,\r\n")
        child.expect(r"Run time: [0-9.]+ s · 0 requests")
        child.expect(PROMPT)
        child.send(".timing off\r")
        child.expect(PROMPT)
        # Ctrl-C during a slow query cancels it; progress showed while it ran.
        child.send("SELECT count(*) FROM charges;\r")
        _charges_requested(slow)
        child.expect("rows fetched", timeout=10)
        started = time.monotonic()
        child.sendintr()
        child.expect("Query cancelled.", timeout=10)
        assert time.monotonic() - started < 5
        child.expect(PROMPT)
        child.send("SELECT 'still here' AS s;\r")
        child.expect("still here")
        child.expect(PROMPT)
        # Ctrl-D leaves, with status 0, and the history was kept. (Sent once the prompt
        # reads raw keys: in the terminal's cooked mode before that, ^D is not a key.)
        time.sleep(0.5)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    history = (tmp_path / "state" / "stripe_dbapi" / "shell_history").read_text()
    assert "SELECT 6 * 7\nAS answer;" in history.replace("+", "")


def test_a_wide_result_fits_the_terminal_with_a_more_rows_line(tmp_path, sandbox):
    child = _spawn(tmp_path, "query", "--dsn", sandbox.dsn, "SELECT * FROM charges LIMIT 5000")
    try:
        child.expect(pexpect.EOF, timeout=120)
        text = ANSI.sub("", child.before)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, text[-2000:]
    lines = _screen_lines(text)
    assert 20 < len(lines) < 40  # a screen, not 5,003 lines
    assert all(len(line) <= 120 for line in lines), max(lines, key=len)
    assert any(re.fullmatch(r"… 4,9\d\d more rows", line) for line in lines), lines[-3:]
    assert lines[-1].startswith("(5,000 rows; ") and "columns shown" in lines[-1]
    assert "…" in lines[0]  # headers shortened to fit, not wrapped


def test_long_output_at_a_terminal_goes_through_the_pager(tmp_path, sandbox):
    sql = "SELECT range AS n, 'x' AS a, 'y' AS b FROM range(30)"
    child = _spawn(
        tmp_path,
        "query",
        "--dsn",
        sandbox.dsn,
        "--format",
        "line",
        "--max-rows",
        "0",
        sql,
        PAGER="sed s/^/paged:/",
    )
    try:
        child.expect(pexpect.EOF, timeout=120)
        text = child.before
    finally:
        child.close(force=True)
    assert "paged:n = 29" in text and "paged:(30 rows)" in text


def test_ndjson_into_head_returns_after_the_first_page_not_the_scan(tmp_path, slow):
    """`--format ndjson … | head -1`: the first line comes with the first page, and the
    command ends as soon as the reader has gone, long before the ~15 s scan would."""
    slow.reset_log()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stripe_dbapi.cli",
            "query",
            "--dsn",
            _slow_dsn(slow),
            "--format",
            "ndjson",
            "SELECT id, amount FROM charges",
        ],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    head = subprocess.run(["head", "-1"], stdin=proc.stdout, capture_output=True, timeout=60)
    assert proc.stdout is not None
    proc.stdout.close()  # as the shell does once head has gone
    first = time.monotonic()
    try:
        err = proc.communicate(timeout=20)[1]
    finally:
        proc.kill()
    assert head.stdout.decode().startswith('{"id": "ch_')
    assert time.monotonic() - first < 6
    assert proc.returncode == 0, err[-2000:]
    assert b"Traceback" not in err and b"Exception ignored" not in err
    assert b"rows fetched" not in err  # no progress line when stderr is not a terminal
    pages = [r for r in slow.requests if r.path == "/v1/charges"]
    assert len(pages) < 10  # of 50: the scan stopped with the reader


@pytest.mark.parametrize(
    "argv,stdin",
    [
        (["SELECT status, count(*), sum(amount) FROM charges GROUP BY status"], None),
        (["--format", "ndjson", "SELECT id FROM charges ORDER BY amount"], None),
        (["--format", "csv"], "SELECT 1;\nSELECT count(*) FROM charges;\nSELECT 2;\n"),
    ],
    ids=["aggregate", "sorted ndjson", "script on stdin"],
)
def test_ctrl_c_exits_130_for_every_query_shape(tmp_path, slow, argv, stdin):
    slow.reset_log()
    script = tmp_path / "stdin.sql"
    script.write_text(stdin or "")
    with script.open() as given:
        proc = subprocess.Popen(
            [sys.executable, "-m", "stripe_dbapi.cli", "query", "--dsn", _slow_dsn(slow), *argv],
            env=_env(tmp_path),
            cwd=tmp_path,
            stdin=given,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        _charges_requested(slow)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
