"""How fast the driver reads Stripe compared with stripe-python and a raw page loop.

    python benchmarks/bench_scan.py [--scale 2] [--latency 80:120] [--runs 1]
        [--case NAME ...] [--no-latency] [--no-zero] [--memory-scale 20] [--no-memory]
        [--markdown]

Starts the sandbox in its own process (so its CPU does not compete with the client for
the GIL), once with a latency range and once with none (and once rate-limited), and
measures in the same run, each figure next to its baseline with the ratio:

- stripe-python 16: `client.v1.charges.list({"limit": 100}).auto_paging_iter()` into a
  pandas DataFrame (the loop a user would otherwise write);
- a raw `requests` loop: `GET /v1/charges?limit=100&starting_after=…` into a DataFrame;
- the driver: `cursor.execute(sql)` then `fetch_df()` (time to first row: `fetchone()`).

Cases (`--case` runs only the named ones; all by default):

- `workloads`: a full scan of every charge (~10,000 at scale 2), a selective filter (the
  charges of one customer), a child-table fan-out (every subscription item), a join
  (charges of the last 30 days with their customer's email; stripe-python uses
  `expand[]`), and the time to the first row of `SELECT * FROM charges`;
- `fetch`: the full scan through `fetchall()` and `fetch_arrow_table()` against the raw
  loop, with the client's CPU time (the driver's own CPU, the sandbox being elsewhere);
- `concurrency`: the full scan with `MaxConcurrency=1` against the default;
- `small`: a one-request query (`WHERE customer = ?`) against one raw `requests.get` of
  the same URL, then 50 such queries in a row: time, RSS and live objects of the first
  10 against the last 10 (no growth: no per-query state kept);
- `joins`: `charges JOIN customers … WHERE ch.created >= …` (requests and time against
  what scanning both and reading the charges first would take), and
  `invoices JOIN invoices_lines … WHERE i.id = 'in_…'` against `WHERE l.invoice = 'in_…'`;
- `ratelimit`: with the sandbox enforcing 100 requests/s and the driver `RateLimit=100`
  (Stripe's live budget), the full scan's time against the bound the budget sets (its
  pages ÷ 100/s) and the number of 429s (the goal: none);
- `memory`: with `--memory-scale N` (default 20, about 100,000 charges), the peak RSS of
  streaming every charge with `fetchmany(1000)` and with `fetchall()`, each in a fresh
  interpreter.

Request counts are counted on the client (the driver's `Connection.request_count`, every
`requests` call for the others); 429s and the sandbox's CPU on the server. The sandbox
encodes each object once, on first use; it is warmed before measuring (every list the
cases read, in-process), so the figures are the driver's and not the sandbox's first
touch.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk_test_sandbox_0000000000"
NOW = 1_793_491_200  # the sandbox's fixed "now" (2026-11-01)


# -- the sandbox in its own process ---------------------------------------------------------


_SERVE = r"""
import collections, json, sys, time
from stripe_dbapi.sandbox import start_sandbox
srv = start_sandbox(scale={scale}, latency_ms={latency!r}, rate_limit={rate_limit!r})
# Warm the sandbox: every object it will serve encoded, the indexes of the filters built.
for path, extra in {warm!r}:
    query = {{"limit": "100", **extra}}
    while True:
        page = json.loads(srv.api.respond("GET", path, query))
        if not page["has_more"]:
            break
        query["starting_after"] = page["data"][-1]["id"]
srv.reset_log()
print(srv.url, flush=True)
for _ in sys.stdin:  # each line: report and reset
    statuses = collections.Counter(r.status for r in srv.requests)
    srv.reset_log()
    print(time.process_time(), statuses.get(429, 0), sum(statuses.values()), flush=True)
srv.stop()
"""

# The lists the cases read, warmed in the sandbox before measuring.
_WARM = [
    ("/v1/charges", {}),
    ("/v1/charges", {"expand": ["data.refunds"]}),  # what `SELECT * FROM charges` sends
    ("/v1/charges", {"expand": ["data.customer"]}),
    ("/v1/customers", {}),
    ("/v1/subscriptions", {"status": "all"}),
    ("/v1/invoices", {}),
]


class Sandbox:
    """The sandbox in a child process: its URL, and what it saw since the last `report`."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self._proc = proc
        self.url = url

    def report(self) -> tuple[float, int, int]:
        """(the server's CPU seconds so far, 429s and requests since the last report)."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write("\n")
        self._proc.stdin.flush()
        cpu, limited, total = self._proc.stdout.readline().split()
        return float(cpu), int(limited), int(total)


@contextmanager
def sandbox(
    scale: float, latency: str | None, rate_limit: float | None = None, warm: bool = True
) -> Iterator[Sandbox]:
    """Serve the sandbox from a child process (warmed unless `warm` is False); yields it."""
    code = _SERVE.format(
        scale=scale, latency=latency, rate_limit=rate_limit, warm=_WARM if warm else []
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,  # this tree's package, as the client imports it
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if not match:
            raise RuntimeError("the sandbox did not start")
        server = Sandbox(proc, match.group(1))
        server.report()
        yield server
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=10)


# -- request counting ---------------------------------------------------------------------


class Counter:
    """Counts every `requests` call of this process while active (stripe-python, raw loop)."""

    def __init__(self) -> None:
        import requests

        self.n = 0
        self._orig = requests.Session.request
        counter = self

        def counted(session: Any, *args: Any, **kwargs: Any) -> Any:
            counter.n += 1
            return counter._orig(session, *args, **kwargs)

        self._counted = counted

    def __enter__(self) -> Counter:
        import requests

        self.n = 0
        requests.Session.request = self._counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        import requests

        requests.Session.request = self._orig  # type: ignore[method-assign]


# -- the three contenders ---------------------------------------------------------------------


def sdk_client(url: str) -> Any:
    import stripe

    return stripe.StripeClient(KEY, base_addresses={"api": url}, max_network_retries=0)


def sdk_frame(objects: Iterator[Any]) -> Any:
    import pandas as pd

    return pd.DataFrame([o.to_dict() for o in objects])


def raw_pages(session: Any, url: str, path: str, params: dict[str, Any]) -> Iterator[dict]:
    query = {**params, "limit": 100}
    while True:
        response = session.get(url + path, params=query)
        if response.status_code == 429:  # the rate-limited case: wait as Stripe advises
            time.sleep(float(response.headers.get("Retry-After") or 0.05))
            continue
        body = response.json()
        yield from body["data"]
        if not body["has_more"]:
            return
        query["starting_after"] = body["data"][-1]["id"]


def raw_session() -> Any:
    import requests

    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {KEY}"
    return s


def driver(url: str, extra: str = "") -> Any:
    """A driver connection; `extra`: more `Key=Value` properties."""
    import stripe_dbapi

    dsn = f"AuthScheme=APIKey;LiveAPIKey={KEY};ApiBase={url}"
    return stripe_dbapi.connect(dsn + (f";{extra}" if extra else ""))


def driver_df(conn: Any, sql: str, params: Any = None) -> Any:
    cur = conn.cursor()
    cur.execute(sql, params)
    return cur.fetch_df()


# -- workloads ----------------------------------------------------------------------------------


Workload = tuple[str, int | None, dict[str, Callable[[], Any]]]


def workloads(url: str, customer: str) -> tuple[list[Workload], Any]:
    """(name, minimum requests, {contender: run}) for each workload, and the connection."""
    import pandas as pd

    sdk = sdk_client(url)
    session = raw_session()
    conn = driver(url)
    since = NOW - 30 * 86400

    def sdk_items() -> Any:
        rows = []
        for sub in sdk.v1.subscriptions.list({"limit": 100, "status": "all"}).auto_paging_iter():
            items = sdk.v1.subscription_items.list({"limit": 100, "subscription": sub.id})
            rows.extend(item.to_dict() for item in items.auto_paging_iter())
        return pd.DataFrame(rows)

    def raw_items() -> Any:
        rows = []
        for sub in raw_pages(session, url, "/v1/subscriptions", {"status": "all"}):
            rows.extend(
                raw_pages(session, url, "/v1/subscription_items", {"subscription": sub["id"]})
            )
        return pd.DataFrame(rows)

    def sdk_join() -> Any:
        params = {"limit": 100, "created": {"gte": since}, "expand": ["data.customer"]}
        rows = [
            {"id": c.id, "email": c.customer.email if c.customer else None}
            for c in sdk.v1.charges.list(params).auto_paging_iter()
        ]
        return pd.DataFrame(rows)

    def raw_join() -> Any:
        params = {"created[gte]": since, "expand[]": "data.customer"}
        rows = [
            {"id": c["id"], "email": (c["customer"] or {}).get("email")}
            for c in raw_pages(session, url, "/v1/charges", params)
        ]
        return pd.DataFrame(rows)

    join_sql = (
        "SELECT ch.id, c.email FROM charges ch LEFT JOIN customers c ON c.id = ch.customer "
        "WHERE ch.created >= to_timestamp(?)"
    )
    return [
        (
            "full scan: every charge",
            None,
            {
                "stripe-python": lambda: sdk_frame(
                    sdk.v1.charges.list({"limit": 100}).auto_paging_iter()
                ),
                "raw requests": lambda: pd.DataFrame(
                    list(raw_pages(session, url, "/v1/charges", {}))
                ),
                "driver": lambda: driver_df(conn, "SELECT * FROM charges"),
            },
        ),
        (
            "selective: one customer's charges",
            1,
            {
                "stripe-python": lambda: sdk_frame(
                    sdk.v1.charges.list({"limit": 100, "customer": customer}).auto_paging_iter()
                ),
                "raw requests": lambda: pd.DataFrame(
                    list(raw_pages(session, url, "/v1/charges", {"customer": customer}))
                ),
                "driver": lambda: driver_df(
                    conn, "SELECT * FROM charges WHERE customer = ?", [customer]
                ),
            },
        ),
        (
            "fan-out: every subscription item",
            None,
            {
                "stripe-python": sdk_items,
                "raw requests": raw_items,
                "driver": lambda: driver_df(conn, "SELECT * FROM subscription_items"),
            },
        ),
        (
            "join: 30 days of charges + customer email",
            None,
            {
                "stripe-python": sdk_join,
                "raw requests": raw_join,
                "driver": lambda: driver_df(conn, join_sql, [since]),
            },
        ),
    ], conn


def first_row(url: str) -> tuple[float, float, int]:
    """(driver's time to the first row of SELECT * FROM charges, one raw page, requests)."""
    conn = driver(url)
    cur = conn.cursor()
    cur.execute("SELECT id FROM customers LIMIT 1")  # warm: planner, engine, imports
    cur.fetchall()
    before = conn.request_count
    started = time.perf_counter()
    cur.execute("SELECT * FROM charges")
    cur.fetchone()
    elapsed = time.perf_counter() - started
    requests_sent = conn.request_count - before
    cur.close()
    session = raw_session()
    session.get(url + "/v1/charges", params={"limit": 100}).json()
    started = time.perf_counter()
    session.get(url + "/v1/charges", params={"limit": 100}).json()
    return elapsed, time.perf_counter() - started, requests_sent


def measure(url: str, runs: int, customer: str) -> list[dict[str, Any]]:
    results = []
    loads, conn = workloads(url, customer)
    for name, minimum, contenders in loads:
        row: dict[str, Any] = {"workload": name, "minimum": minimum}
        for who, run in contenders.items():
            times, rows, sent = [], 0, 0
            for _ in range(runs):
                if who == "driver":
                    before = conn.request_count
                    started = time.perf_counter()
                    frame = run()
                    times.append(time.perf_counter() - started)
                    sent = conn.request_count - before
                else:
                    with Counter() as counter:
                        started = time.perf_counter()
                        frame = run()
                        times.append(time.perf_counter() - started)
                    sent = counter.n
                rows = len(frame)
            row[who] = (statistics.median(times), sent, rows)
        results.append(row)
        print(_line(row), flush=True)
    return results


def _line(row: dict[str, Any]) -> str:
    sdk, raw, drv = row["stripe-python"], row["raw requests"], row["driver"]
    return (
        f"  {row['workload']:<42} stripe-python {sdk[0]:6.2f}s/{sdk[1]:4d}req  "
        f"raw {raw[0]:6.2f}s/{raw[1]:4d}req  driver {drv[0]:6.2f}s/{drv[1]:4d}req  "
        f"rows {drv[2]}  (sdk/driver {sdk[0] / drv[0]:5.1f}x, driver/raw {drv[0] / raw[0]:4.2f}x)"
    )


# -- the cases the goals name ---------------------------------------------------------


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """(median wall seconds, median CPU seconds of this process, the last result)."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), result


def raw_loop(session: Any, url: str) -> int:
    """The raw requests+json loop over every charge (rows as dicts): the CPU baseline."""
    return len(list(raw_pages(session, url, "/v1/charges", {})))


def scan(conn: Any, how: str) -> int:
    """SELECT * FROM charges through `fetchall` or `fetch_arrow_table`: rows read."""
    cur = conn.cursor()
    cur.execute("SELECT * FROM charges")
    n = len(cur.fetchall()) if how == "fetchall" else cur.fetch_arrow_table().num_rows
    cur.close()
    return n


def warm(conn: Any) -> None:
    """Planner, engine and imports warmed by one small query."""
    cur = conn.cursor()
    cur.execute("SELECT id FROM customers LIMIT 1")
    cur.fetchall()
    cur.close()


def _x(a: float, b: float) -> str:
    return f"{a / b:5.2f}x" if b else "  n/a"


def fetch_case(srv: Sandbox, runs: int) -> dict[str, Any]:
    """fetchall and fetch_arrow_table against the raw loop: time, client CPU, requests."""
    session = raw_session()
    conn = driver(srv.url)
    warm(conn)
    out: dict[str, Any] = {}
    server = srv.report()[0]
    with Counter() as counter:
        wall, cpu, rows = timed(lambda: raw_loop(session, srv.url), runs)
    server = (srv.report()[0] - server) / runs
    out["raw"] = (wall, cpu, counter.n // runs, rows, server)
    print(
        f"  {'raw requests+json loop':<26} {wall:6.2f} s  client CPU {cpu:5.2f} s  "
        f"{counter.n // runs:4d} req  rows {rows}  (sandbox CPU {server:5.2f} s)"
    )
    for how in ("fetchall", "fetch_arrow_table"):
        before = conn.request_count
        server = srv.report()[0]
        wall, cpu, rows = timed(lambda how=how: scan(conn, how), runs)
        server = (srv.report()[0] - server) / runs
        sent = (conn.request_count - before) // runs
        out[how] = (wall, cpu, sent, rows, server)
        print(
            f"  {'driver ' + how:<26} {wall:6.2f} s  client CPU {cpu:5.2f} s  {sent:4d} req  "
            f"rows {rows}  (sandbox CPU {server:5.2f} s; time ÷ raw {_x(wall, out['raw'][0])}, "
            f"CPU ÷ raw {_x(cpu, out['raw'][1])}, CPU per 10,000 rows "
            f"{cpu / max(rows, 1) * 10_000:5.2f} s)"
        )
    conn.close()
    return out


def concurrency_case(srv: Sandbox, runs: int) -> dict[str, Any]:
    """The full scan with MaxConcurrency=1 against the default (more workers: never slower).

    The two connections take turns, run by run, so neither is measured in a warmer or
    fuller process than the other (the garbage collector's cost grows with what the
    process holds)."""
    configs = {"MaxConcurrency=1": "MaxConcurrency=1", "default (16)": ""}
    conns = {label: driver(srv.url, extra) for label, extra in configs.items()}
    samples: dict[str, list[tuple[float, float, int, int]]] = {label: [] for label in conns}
    for conn in conns.values():
        warm(conn)
    for _ in range(runs):
        for label, conn in conns.items():
            before = conn.request_count
            wall, cpu, rows = timed(lambda conn=conn: scan(conn, "fetch_arrow_table"), 1)
            samples[label].append((wall, cpu, conn.request_count - before, rows))
    out: dict[str, Any] = {}
    for label, conn in conns.items():
        conn.close()
        got = samples[label]
        out[label] = (
            statistics.median(g[0] for g in got),
            statistics.median(g[1] for g in got),
            got[-1][2],
            got[-1][3],
        )
    one, many = out["MaxConcurrency=1"], out["default (16)"]
    for label, (wall, cpu, sent, rows) in out.items():
        print(f"  {label:<26} {wall:6.2f} s  client CPU {cpu:5.2f} s  {sent:4d} req  rows {rows}")
    print(f"  {'default ÷ MaxConcurrency=1':<26} {_x(many[0], one[0])} (goal: at most 1.00x)")
    return out


def _rss_mb() -> float:
    """This process's resident memory now (Linux), else its peak."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def small_case(srv: Sandbox, customer: str, runs: int) -> dict[str, Any]:
    """A one-request query against one raw request of the same URL; then 50 in a row."""
    import gc

    session = raw_session()
    params = {"customer": customer, "limit": 100}
    conn = driver(srv.url)
    warm(conn)
    sql = "SELECT * FROM charges WHERE customer = ?"

    def one_query() -> int:
        cur = conn.cursor()
        cur.execute(sql, [customer])
        n = len(cur.fetchall())
        cur.close()
        return n

    def one_raw() -> int:
        return len(session.get(srv.url + "/v1/charges", params=params).json()["data"])

    one_raw()
    reps = max(20, runs)
    raw_wall, raw_cpu, rows = timed(one_raw, reps)
    before = conn.request_count
    drv_wall, drv_cpu, _ = timed(one_query, reps)
    sent = (conn.request_count - before) / reps
    print(
        f"  {'one raw requests.get':<26} {raw_wall * 1000:7.2f} ms  client CPU "
        f"{raw_cpu * 1000:6.2f} ms  rows {rows}"
    )
    print(
        f"  {'driver WHERE customer = ?':<26} {drv_wall * 1000:7.2f} ms  client CPU "
        f"{drv_cpu * 1000:6.2f} ms  {sent:.1f} req/query  (time ÷ raw "
        f"{_x(drv_wall, raw_wall)}; goal: at most 1.30x)"
    )
    times, marks = [], {}
    gc.collect()
    marks[0] = (_rss_mb(), len(gc.get_objects()))
    for i in range(1, 51):
        started = time.perf_counter()
        one_query()
        times.append(time.perf_counter() - started)
        if i in (10, 40, 50):
            gc.collect()
            marks[i] = (_rss_mb(), len(gc.get_objects()))
    first, last = statistics.mean(times[:10]), statistics.mean(times[-10:])
    print(
        f"  {'50 in a row':<26} first 10 {first * 1000:6.2f} ms/query, last 10 "
        f"{last * 1000:6.2f} ms/query ({_x(last, first)}); RSS after 10 {marks[10][0]:6.1f} MB, "
        f"after 40 {marks[40][0]:6.1f} MB, after 50 {marks[50][0]:6.1f} MB "
        f"({marks[50][0] - marks[10][0]:+.1f} MB); live objects {marks[10][1]:,} → "
        f"{marks[50][1]:,} ({marks[50][1] - marks[10][1]:+,})"
    )
    conn.close()
    return {
        "raw": (raw_wall, raw_cpu),
        "driver": (drv_wall, drv_cpu, sent),
        "loop": (first, last),
        "marks": marks,
    }


def joins_case(srv: Sandbox, scale: float, runs: int) -> dict[str, Any]:
    """The two joins of the issue: requests and time against what they could cost."""
    from stripe_dbapi.sandbox import data

    ds = data.generate(0, scale)
    since = NOW - 30 * 86400
    recent = [c for c in ds["charges"] if c["created"] >= since]
    referenced = {c["customer"] for c in recent if c.get("customer")}
    pages = max(1, math.ceil(len(recent) / 100))
    scan_both = pages + math.ceil(len(ds["customers"]) / 100)
    charges_first = pages + len(referenced)
    conn = driver(srv.url)
    warm(conn)
    out: dict[str, Any] = {}

    def run(sql: str, params: list[Any]) -> tuple[float, int, int]:
        before = conn.request_count
        wall, _, rows = timed(lambda: _rows(conn, sql, params), runs)
        return wall, (conn.request_count - before) // runs, rows

    wall, sent, rows = run(
        "SELECT ch.id, c.email FROM charges ch JOIN customers c ON c.id = ch.customer "
        "WHERE ch.created >= to_timestamp(?)",
        [since],
    )
    best = min(scan_both, charges_first)
    out["charges_customers"] = (wall, sent, rows, scan_both, charges_first)
    print(
        f"  {'charges JOIN customers':<26} {wall:6.2f} s  {sent:4d} req  rows {rows}  (scanning "
        f"both: {scan_both} req; charges first, then their {len(referenced)} customers: "
        f"{charges_first} req; driver ÷ the fewer {_x(sent, best)})"
    )
    invoice = next(i["id"] for i in ds["invoices"] if i["lines"]["has_more"])
    joined = run(
        "SELECT * FROM invoices i JOIN invoices_lines l ON l.invoice = i.id WHERE i.id = ?",
        [invoice],
    )
    direct = run("SELECT * FROM invoices_lines l WHERE l.invoice = ?", [invoice])
    out["invoice_lines"] = (joined, direct)
    print(
        f"  {'invoices JOIN lines, i.id':<26} {joined[0]:6.2f} s  {joined[1]:4d} req  rows "
        f"{joined[2]}  vs WHERE l.invoice = …: {direct[0]:6.2f} s  {direct[1]:4d} req  rows "
        f"{direct[2]}  (requests {_x(joined[1], direct[1])})"
    )
    conn.close()
    return out


def _rows(conn: Any, sql: str, params: list[Any]) -> int:
    cur = conn.cursor()
    cur.execute(sql, params)
    n = len(cur.fetchall())
    cur.close()
    return n


def ratelimit_case(srv: Sandbox, runs: int, rate: float) -> dict[str, Any]:
    """The full scan under Stripe's live budget: time against pages ÷ rate, and 429s."""
    session = raw_session()
    srv.report()
    with Counter() as counter:
        raw_wall, _, rows = timed(lambda: raw_loop(session, srv.url), runs)
    raw_limited = srv.report()[1]
    pages = math.ceil(rows / 100)
    bound = pages / rate
    conn = driver(srv.url, f"RateLimit={rate:g}")
    warm(conn)
    time.sleep(1.5)  # the server's budget refilled: the raw loop spent it, and more
    srv.report()
    before = conn.request_count
    wall, cpu, n = timed(lambda: scan(conn, "fetch_arrow_table"), runs)
    limited = srv.report()[1]
    sent = (conn.request_count - before) // runs
    conn.close()
    print(f"  {'bound: pages ÷ budget':<26} {bound:6.2f} s  ({pages} pages ÷ {rate:g}/s)")
    print(
        f"  {'raw requests+json loop':<26} {raw_wall:6.2f} s  {counter.n // runs:4d} req  "
        f"429s {raw_limited}  (÷ bound {_x(raw_wall, bound)})"
    )
    print(
        f"  {'driver RateLimit=' + format(rate, 'g'):<26} {wall:6.2f} s  {sent:4d} req  "
        f"429s {limited}  rows {n}  (÷ bound {_x(wall, bound)}; goal: at most 1.25x, 0 429s; "
        f"its own requests ÷ budget {sent / rate:5.2f} s)"
    )
    return {"bound": bound, "driver": (wall, sent, limited), "raw": (raw_wall, raw_limited)}


# -- memory ----------------------------------------------------------------------------------

_MEMORY = r"""
import resource, sys, time, stripe_dbapi
conn = stripe_dbapi.connect("AuthScheme=APIKey;LiveAPIKey={key};ApiBase={url}")
cur = conn.cursor()
started = time.perf_counter()
cur.execute("SELECT * FROM charges")
n = 0
if "{mode}" == "fetchmany":
    while True:
        rows = cur.fetchmany(1000)
        if not rows:
            break
        n += len(rows)
else:
    n = len(cur.fetchall())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
try:  # VmHWM is this program's own peak; ru_maxrss keeps the parent's peak at fork (Linux)
    status = open("/proc/self/status").read()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError, ValueError):
    pass
print(n, time.perf_counter() - started, peak)
"""


def memory(scale: float) -> dict[str, tuple[int, float, float]]:
    out = {}
    started = time.perf_counter()
    with sandbox(scale, None, warm=False) as srv:
        print(f"  sandbox at scale {scale:g} ready in {time.perf_counter() - started:.1f} s")
        for mode in ("fetchmany", "fetchall"):
            code = _MEMORY.format(key=KEY, url=srv.url, mode=mode)
            text = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout.split()
            out[mode] = (int(text[0]), float(text[1]), float(text[2]))
            print(
                f"  {mode:<10} rows {text[0]}  {float(text[1]):6.1f} s  peak RSS {float(text[2]):7.0f} MB"
            )
    return out


# -- report ----------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()}"


def markdown(tables: dict[str, list[dict[str, Any]]], first: dict[str, tuple], mem: Any) -> str:
    lines = []
    for label, rows in tables.items():
        lines += [
            f"**{label}**",
            "",
            "| workload | rows | stripe-python | raw `requests` loop | driver | stripe-python ÷ driver | driver ÷ raw |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in rows:
            sdk, raw, drv = r["stripe-python"], r["raw requests"], r["driver"]
            lines.append(
                f"| {r['workload']} | {drv[2]:,} | {sdk[0]:.2f} s, {sdk[1]} req | "
                f"{raw[0]:.2f} s, {raw[1]} req | {drv[0]:.2f} s, {drv[1]} req | "
                f"{sdk[0] / drv[0]:.1f}× | {drv[0] / raw[0]:.2f}× |"
            )
        t, page, sent = first[label]
        lines += [
            "",
            f"Time to the first row of `SELECT * FROM charges`: {t * 1000:.0f} ms "
            f"({sent} requests sent by then); one raw page: {page * 1000:.0f} ms.",
            "",
        ]
    if mem:
        many, every = mem["fetchmany"], mem["fetchall"]
        lines += [
            f"Streaming {many[0]:,} charges: peak RSS {many[2]:.0f} MB with `fetchmany(1000)` "
            f"({many[1]:.0f} s) vs {every[2]:.0f} MB with `fetchall()` ({every[1]:.0f} s).",
            "",
        ]
    return "\n".join(lines)


CASES = ("workloads", "fetch", "concurrency", "small", "joins", "ratelimit", "memory")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=2.0)
    parser.add_argument("--latency", default="80:120", help="LO:HI milliseconds per request")
    parser.add_argument("--runs", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument(
        "--case", action="append", choices=CASES, help="run only this case (repeatable)"
    )
    parser.add_argument("--no-latency", action="store_true", help="skip the latency section")
    parser.add_argument("--no-zero", action="store_true", help="skip the zero-latency section")
    parser.add_argument("--rate-limit", type=float, default=100.0, help="budget, requests/s")
    parser.add_argument("--memory-scale", type=float, default=20.0)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    cases = set(args.case or CASES) - ({"memory"} if args.no_memory else set())

    from stripe_dbapi.sandbox import data

    charges = data.generate(0, args.scale)["charges"]
    counts = collections.Counter(c["customer"] for c in charges if c.get("customer"))
    customer = counts.most_common(1)[0][0]  # the busiest customer: still one page
    print(machine(), time.strftime("%Y-%m-%d"))
    sections = [(f"latency {args.latency} ms", args.latency)] * (not args.no_latency)
    sections += [("zero latency", None)] * (not args.no_zero)
    tables, first = {}, {}
    for label, latency in sections:
        per_section = cases & {"workloads", "joins"} | (
            cases & {"fetch", "concurrency", "small"} if latency is None else set()
        )
        if not per_section:
            continue
        print(f"{label} (sandbox scale {args.scale:g}, separate process)", flush=True)
        with sandbox(args.scale, latency) as srv:
            if "workloads" in per_section:
                tables[label] = measure(srv.url, args.runs, customer)
                first[label] = first_row(srv.url)
                t, page, sent = first[label]
                print(
                    f"  time to first row {t * 1000:.0f} ms ({sent} req), one raw page "
                    f"{page * 1000:.0f} ms",
                    flush=True,
                )
            if "fetch" in per_section:
                print(" fetchall vs fetch_arrow_table (SELECT * FROM charges)")
                fetch_case(srv, args.runs)
            if "concurrency" in per_section:
                print(" MaxConcurrency=1 vs the default (SELECT * FROM charges, fetch_arrow_table)")
                concurrency_case(srv, args.runs)
            if "small" in per_section:
                print(" small queries (one request each)")
                small_case(srv, customer, args.runs)
            if "joins" in per_section:
                print(" joins")
                joins_case(srv, args.scale, args.runs)
    if "ratelimit" in cases:
        print(
            f"rate-limited: sandbox allows {args.rate_limit:g} requests/s, zero latency "
            f"(scale {args.scale:g}, separate process)",
            flush=True,
        )
        with sandbox(args.scale, None, args.rate_limit) as srv:
            ratelimit_case(srv, args.runs, args.rate_limit)
    mem = memory(args.memory_scale) if "memory" in cases else None
    if args.markdown and tables:
        print()
        print(f"Machine: {machine()}, {time.strftime('%Y-%m-%d')}.")
        print()
        print(markdown(tables, first, mem))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
