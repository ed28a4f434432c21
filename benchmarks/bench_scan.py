"""How fast the driver reads Stripe compared with stripe-python and a raw page loop.

    python benchmarks/bench_scan.py [--scale 2] [--latency 80:120]
        [--runs 1] [--memory-scale 20] [--no-memory] [--markdown]

Starts the sandbox in its own process (so its CPU does not compete with the client for
the GIL), once with a latency range and once with none, and measures in the same run:

- stripe-python 16: `client.v1.charges.list({"limit": 100}).auto_paging_iter()` into a
  pandas DataFrame (the loop a user would otherwise write);
- a raw `requests` loop: `GET /v1/charges?limit=100&starting_after=…` into a DataFrame;
- the driver: `cursor.execute(sql)` then `fetch_df()` (time to first row: `fetchone()`).

Workloads: a full scan of every charge (~10,000 at scale 2), a selective filter (the
charges of one customer), a child-table fan-out (every invoice line), a join (charges of
the last 30 days with their customer's email; stripe-python uses `expand[]`), and the
time to the first row of `SELECT * FROM charges`. Request counts are counted on the
client: the driver's `Connection.request_count`, and every `requests` call for the others.

With `--memory-scale N` (default 20, about 100,000 charges) it also starts a sandbox of
that size and measures, each in a fresh interpreter, the peak RSS of streaming every
charge with `fetchmany(1000)` and with `fetchall()`.
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk_test_sandbox_0000000000"
NOW = 1_793_491_200  # the sandbox's fixed "now" (2026-11-01)


# -- the sandbox in its own process ---------------------------------------------------------


@contextmanager
def sandbox(scale: float, latency: str | None) -> Iterator[str]:
    """Serve the sandbox from a child process; yields its URL."""
    cmd = [sys.executable, "-m", "stripe_dbapi.sandbox", "serve", "--scale", str(scale)]
    if latency:
        cmd += ["--latency-ms", latency]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if match:
                # Keep reading its output, or the pipe fills and the server blocks.
                threading.Thread(target=proc.stdout.read, daemon=True).start()
                yield match.group(1)
                return
        raise RuntimeError("the sandbox did not start")
    finally:
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
        body = session.get(url + path, params=query).json()
        yield from body["data"]
        if not body["has_more"]:
            return
        query["starting_after"] = body["data"][-1]["id"]


def raw_session() -> Any:
    import requests

    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {KEY}"
    return s


def driver(url: str) -> Any:
    import stripe_dbapi

    return stripe_dbapi.connect(f"AuthScheme=APIKey;LiveAPIKey={KEY};ApiBase={url}")


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
print(n, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def memory(scale: float) -> dict[str, tuple[int, float, float]]:
    out = {}
    started = time.perf_counter()
    with sandbox(scale, None) as url:
        print(f"  sandbox at scale {scale:g} ready in {time.perf_counter() - started:.1f} s")
        for mode in ("fetchmany", "fetchall"):
            code = _MEMORY.format(key=KEY, url=url, mode=mode)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=2.0)
    parser.add_argument("--latency", default="80:120", help="LO:HI milliseconds per request")
    parser.add_argument("--runs", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument("--memory-scale", type=float, default=20.0)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)

    from stripe_dbapi.sandbox import data

    charges = data.generate(0, args.scale)["charges"]
    counts = collections.Counter(c["customer"] for c in charges if c.get("customer"))
    customer = counts.most_common(1)[0][0]  # the busiest customer: still one page
    print(machine())
    tables, first = {}, {}
    for label, latency in ((f"latency {args.latency} ms", args.latency), ("zero latency", None)):
        print(f"{label} (sandbox scale {args.scale:g}, separate process)")
        with sandbox(args.scale, latency) as url:
            tables[label] = measure(url, args.runs, customer)
            first[label] = first_row(url)
            t, page, sent = first[label]
            print(
                f"  time to first row {t * 1000:.0f} ms ({sent} req), one raw page {page * 1000:.0f} ms"
            )
    mem = None if args.no_memory else memory(args.memory_scale)
    if args.markdown:
        print()
        print(f"Machine: {machine()}.")
        print()
        print(markdown(tables, first, mem))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
