"""The DB-API 2.0 compliance checks (after Stuart Bishop's dbapi20 suite), read-only.

The original suite creates and fills tables; a read-only driver runs the same checks over
VALUES lists and Stripe tables instead. Checks that need writes are replaced by the
NotSupportedError they must raise.
"""

from __future__ import annotations

import datetime as dt

import pytest

import stripe_dbapi as driver

VALUES = "SELECT * FROM (VALUES ('Victoria Bitter'), ('Cooper''s'), ('Boag''s'), ('Carlton'), ('Melbourne'), ('XXXX')) AS beers(name)"
SAMPLES = sorted(["Victoria Bitter", "Cooper's", "Boag's", "Carlton", "Melbourne", "XXXX"])


def test_module_globals():
    assert driver.apilevel == "2.0"
    assert driver.threadsafety in (0, 1, 2, 3)
    assert driver.paramstyle in ("qmark", "numeric", "named", "format", "pyformat")


def test_exception_hierarchy():
    assert issubclass(driver.Warning, Exception)
    assert issubclass(driver.Error, Exception)
    for cls in (driver.InterfaceError, driver.DatabaseError):
        assert issubclass(cls, driver.Error)
    for cls in (
        driver.DataError,
        driver.OperationalError,
        driver.IntegrityError,
        driver.InternalError,
        driver.ProgrammingError,
        driver.NotSupportedError,
    ):
        assert issubclass(cls, driver.DatabaseError)


def test_commit_and_rollback_are_accepted(conn):
    conn.commit()
    conn.rollback()


def test_cursor_and_isolation(conn):
    cur1, cur2 = conn.cursor(), conn.cursor()
    cur1.execute(VALUES)
    cur2.execute("SELECT 42")
    assert cur2.fetchall() == [(42,)]
    assert len(cur1.fetchall()) == 6


def test_description(conn):
    cur = conn.cursor()
    assert cur.description is None
    cur.execute(VALUES)
    assert len(cur.description) == 1
    assert cur.description[0][0] == "name"
    assert len(cur.description[0]) == 7
    assert cur.description[0][1] == driver.STRING


def test_rowcount(conn):
    cur = conn.cursor()
    assert cur.rowcount == -1
    cur.execute(VALUES)
    cur.fetchall()
    assert cur.rowcount == 6


def test_close(conn):
    cur = conn.cursor()
    conn.close()
    with pytest.raises(driver.Error):
        cur.execute(VALUES)
    with pytest.raises(driver.Error):
        conn.cursor()
    with pytest.raises(driver.Error):
        conn.commit()
    conn.close()  # a second close is harmless


def test_closed_cursor_raises(conn):
    cur = conn.cursor()
    cur.close()
    with pytest.raises(driver.InterfaceError, match="The cursor is closed."):
        cur.execute("SELECT 1")


def test_execute_with_qmark_parameters(conn):
    cur = conn.cursor()
    cur.execute("SELECT ? AS a, ? AS b", ("Cooper's", 2))
    assert cur.fetchall() == [("Cooper's", 2)]


def test_execute_with_named_parameters(conn):
    cur = conn.cursor()
    cur.execute("SELECT name FROM (" + VALUES + ") WHERE name = :n", {"n": "XXXX"})
    assert cur.fetchall() == [("XXXX",)]


def test_wrong_parameter_count_is_a_programming_error(conn):
    cur = conn.cursor()
    with pytest.raises(driver.ProgrammingError):
        cur.execute("SELECT ?", ())
    with pytest.raises(driver.ProgrammingError):
        cur.execute("SELECT ?", (1, 2))


def test_executemany(conn):
    cur = conn.cursor()
    cur.executemany("SELECT ? AS n", [(1,), (2,)])
    assert cur.fetchall() == [(2,)]
    with pytest.raises(driver.NotSupportedError):
        cur.executemany("INSERT INTO customers (id) VALUES (?)", [("a",), ("b",)])


def test_fetch_before_execute_raises(conn):
    cur = conn.cursor()
    for fetch in (cur.fetchone, cur.fetchall, cur.fetchmany):
        with pytest.raises(driver.Error):
            fetch()


def test_fetchone(conn):
    cur = conn.cursor()
    cur.execute("SELECT name FROM (" + VALUES + ") WHERE name = 'nothing'")
    assert cur.fetchone() is None
    cur.execute("SELECT 'Victoria Bitter'")
    assert cur.fetchone() == ("Victoria Bitter",)
    assert cur.fetchone() is None


def test_fetchmany(conn):
    cur = conn.cursor()
    cur.execute(VALUES)
    assert len(cur.fetchmany()) == 1  # arraysize defaults to 1
    cur.arraysize = 10
    cur.execute(VALUES)
    assert len(cur.fetchmany(4)) == 4
    assert len(cur.fetchmany(4)) == 2
    assert cur.fetchmany(4) == []
    cur.execute(VALUES)
    assert len(cur.fetchmany()) == 6


def test_fetchall(conn):
    cur = conn.cursor()
    cur.execute(VALUES)
    assert sorted(r[0] for r in cur.fetchall()) == SAMPLES
    assert cur.fetchall() == []


def test_mixedfetch(conn):
    cur = conn.cursor()
    cur.execute(VALUES + " ORDER BY name")
    rows = [cur.fetchone(), *cur.fetchmany(2), cur.fetchone(), *cur.fetchall()]
    assert [r[0] for r in rows] == SAMPLES


def test_iteration(conn):
    cur = conn.cursor()
    cur.execute(VALUES)
    assert sorted(r[0] for r in cur) == SAMPLES


def test_setinputsizes_and_setoutputsize(conn):
    cur = conn.cursor()
    cur.setinputsizes((25,))
    cur.setoutputsize(1000)
    cur.setoutputsize(2000, 0)
    cur.execute("SELECT 1")
    assert cur.fetchall() == [(1,)]


def test_none_is_null(conn):
    cur = conn.cursor()
    cur.execute("SELECT ? IS NULL, NULL", (None,))
    assert cur.fetchone() == (True, None)


def test_constructors():
    assert driver.Date(2002, 12, 25) == dt.date(2002, 12, 25)
    assert driver.Time(13, 45, 30) == dt.time(13, 45, 30)
    assert driver.Timestamp(2002, 12, 25, 13, 45, 30) == dt.datetime(2002, 12, 25, 13, 45, 30)
    assert isinstance(driver.DateFromTicks(0), dt.date)
    assert isinstance(driver.TimeFromTicks(0), dt.time)
    assert isinstance(driver.TimestampFromTicks(0), dt.datetime)
    assert driver.Binary(b"Something") == b"Something"
    assert driver.Binary("") == b""


def test_type_objects_compare_with_type_codes(conn):
    cur = conn.cursor()
    cur.execute("SELECT id, amount, created, captured FROM charges LIMIT 1")
    codes = [d[1] for d in cur.description]
    assert codes[0] == driver.STRING and codes[0] == driver.ROWID
    assert codes[1] == driver.NUMBER and codes[1] != driver.STRING
    assert codes[2] == driver.DATETIME and codes[3] == driver.NUMBER
    assert driver.BINARY == "BLOB"


def test_parameter_types_round_trip(conn):
    cur = conn.cursor()
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    cur.execute("SELECT ?, ?, ?, ?, ?", (1.5, True, dt.date(2026, 1, 2), when, -7))
    assert cur.fetchone() == (1.5, True, dt.date(2026, 1, 2), when, -7)


def test_context_managers(sandbox):
    with driver.connect(sandbox.dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    assert conn.closed and cur.closed


def test_binary_parameters_are_blobs(conn):
    cur = conn.cursor()
    cur.execute("SELECT ?, octet_length(?)", (driver.Binary(b"\x00'x"), b"abc"))
    assert cur.fetchone() == (b"\x00'x", 3)
    assert cur.description[0][1] == driver.BINARY


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda cur: cur.execute("SELECT ?", 5),
            "Parameters must be a sequence or a mapping, not int.",
        ),
        (
            lambda cur: cur.executemany("SELECT 1", None),
            "executemany() needs a sequence of parameter sets.",
        ),
        (
            lambda cur: setattr(cur, "arraysize", "x"),
            "arraysize must be a whole number of at least 1",
        ),
    ],
)
def test_misuse_is_a_programming_error_not_a_type_error(conn, call, message):
    with pytest.raises(driver.ProgrammingError) as info:
        call(conn.cursor())
    assert str(info.value).startswith(message)


def test_fetchmany_size_must_be_a_number(conn):
    cur = conn.cursor()
    cur.execute("SELECT 1")
    with pytest.raises(
        driver.ProgrammingError, match="fetchmany\\(\\) size must be a whole number"
    ):
        cur.fetchmany("x")


def test_information_schema_knows_what_is_nullable(conn):
    cur = conn.cursor()
    cur.execute(
        "SELECT column_name, is_nullable FROM information_schema.columns "
        "WHERE table_name = 'customers' AND column_name IN ('id', 'email') ORDER BY 1"
    )
    assert cur.fetchall() == [("email", "YES"), ("id", "NO")]


def test_intervals_are_timedeltas(conn):
    cur = conn.cursor()
    cur.execute("SELECT INTERVAL 3 DAY + INTERVAL 2 HOUR, INTERVAL 1 MONTH, NULL::INTERVAL")
    assert cur.fetchone() == (dt.timedelta(days=3, hours=2), dt.timedelta(days=30), None)
    assert cur.description[0][1] == driver.DATETIME
