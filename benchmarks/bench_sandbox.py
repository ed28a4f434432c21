"""How fast the sandbox is ready, how fast it pages, and its CPU per page.

    python benchmarks/bench_sandbox.py [--scale 1] [--seed 0] [--runs 3]
        [--cpu-scale 2] [--only ready|cpu]

`ready` measures, in a fresh interpreter per run (the data set is cached per process):
the time to import the package and load the catalog, the time to generate the data set,
the time until `start_sandbox` returns a serving server, and, against that server,
requests per second paging all charges with `limit=100` over one keep-alive connection,
a filtered list, a search, and a retrieve with expand.

`cpu` starts a sandbox of `--cpu-scale` (default 2, about 10,000 charges) in a process of
its own, sends it each kind of page over HTTP and reads the server process's CPU time
(`time.process_time()`, every thread) around each batch: the server's CPU per page,
HTTP handling included. Each batch runs three times: the first pass also encodes the
objects and builds the indexes it needs for the first time (once per process); the
figure is the lesser of the other two, what every later page costs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_RUN = r"""
import json, sys, time
import requests
t0 = time.perf_counter()
from stripe_dbapi.sandbox import data, start_sandbox
from stripe_dbapi.catalog import load_catalog
load_catalog()
ti = time.perf_counter()
c0 = time.process_time()
ds = data.generate({seed}, {scale})
t1 = time.perf_counter()
cpu = time.process_time() - c0
srv = start_sandbox(seed={seed}, scale={scale})
t2 = time.perf_counter()
s = requests.Session()
s.headers["Authorization"] = "Bearer " + srv.api_key

def timed(fn):
    start = time.perf_counter(); n = fn(); return n, time.perf_counter() - start

def page_all():
    params, n = {{"limit": 100}}, 0
    while True:
        body = s.get(srv.url + "/v1/charges", params=params).json()
        n += 1
        if not body["has_more"]:
            return n
        params["starting_after"] = body["data"][-1]["id"]

def filtered():
    cust = ds["charges"][0]["customer"] or ds["customers"][0]["id"]
    for _ in range(50):
        s.get(srv.url + "/v1/charges", params={{"customer": cust, "limit": 100}}).raise_for_status()
    return 50

def search():
    for _ in range(20):
        s.get(srv.url + "/v1/customers/search", params={{"query": "metadata['plan']:'pro'", "limit": 100}}).raise_for_status()
    return 20

def retrieve():
    ids = [c["id"] for c in ds["charges"][:200]]
    for i in ids:
        s.get(srv.url + "/v1/charges/" + i, params={{"expand[]": "customer"}}).raise_for_status()
    return len(ids)

out = {{"import_s": ti - t0, "generate_s": t1 - ti, "generate_cpu_s": cpu, "ready_s": t2 - t0, "rows": sum(len(ds[t]) for t in ds)}}
for name, fn in (("page_all_charges", page_all), ("filtered_list", filtered), ("search", search), ("retrieve_expand", retrieve)):
    n, secs = timed(fn)
    out[name] = {{"requests": n, "seconds": secs, "rps": n / secs}}
srv.stop()
print(json.dumps(out))
"""


# The sandbox in a child process that answers each line on stdin with its CPU time.
_SERVE = r"""
import sys, time
from stripe_dbapi.sandbox import start_sandbox
srv = start_sandbox(seed={seed}, scale={scale})
print(srv.url, srv.api_key, flush=True)
for _ in sys.stdin:
    print(time.process_time(), flush=True)
srv.stop()
"""


def _cases(ds: Any) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Each kind of page: (path, the query of every request), from the data set."""
    charges = ds["charges"]
    ids = [c["id"] for c in charges]
    pages = [{"limit": 100}] + [
        {"limit": 100, "starting_after": ids[i - 1]} for i in range(100, len(ids), 100)
    ]
    rng = random.Random(0)
    times = sorted({c["created"] for c in charges})
    ranges = []
    for _ in range(100):
        a, b = sorted(rng.sample(times, 2))
        ranges.append({"limit": 100, "created[gte]": a, "created[lt]": b})
    ops = ("gt", "gte", "lt", "lte")
    one_sided = [
        {"limit": 100, f"created[{rng.choice(ops)}]": rng.choice(times)} for _ in range(100)
    ]
    customers = [c["customer"] for c in charges if c.get("customer")]
    return {
        "floor: customers?limit=1 (HTTP alone)": ("/v1/customers", [{"limit": 1}] * 100),
        "plain (all charges, limit=100)": ("/v1/charges", pages),
        "created[gte]&created[lt] range": ("/v1/charges", ranges),
        "created[gt|gte|lt|lte] one side": ("/v1/charges", one_sided),
        "range + starting_after": (
            "/v1/charges",
            [{**r, "starting_after": rng.choice(ids)} for r in ranges],
        ),
        "starting_after (random ids)": (
            "/v1/charges",
            [{"limit": 100, "starting_after": rng.choice(ids)} for _ in range(100)],
        ),
        "ending_before (random ids)": (
            "/v1/charges",
            [{"limit": 100, "ending_before": rng.choice(ids)} for _ in range(100)],
        ),
        "customer=… (equality filter)": (
            "/v1/charges",
            [{"limit": 100, "customer": rng.choice(customers)} for _ in range(100)],
        ),
        "subscriptions status=all": (
            "/v1/subscriptions",
            [
                {"limit": 100, "status": "all", "starting_after": s["id"]}
                for s in ds["subscriptions"][::100]
            ],
        ),
        "subscriptions default (hides canceled)": (
            "/v1/subscriptions",
            [{"limit": 100, "starting_after": s["id"]} for s in ds["subscriptions"][::100]],
        ),
        "expand[]=data.customer": (
            "/v1/charges",
            [{**p, "expand[]": "data.customer"} for p in pages],
        ),
        "expand[]=data.customer + data.balance_transaction": (
            "/v1/charges",
            [{**p, "expand[]": ["data.customer", "data.balance_transaction"]} for p in pages[::2]],
        ),
        "search customers (paged)": (
            "/v1/customers/search",
            [{"query": "metadata['plan']:'pro'", "limit": 100}] * 20,
        ),
    }


def cpu_per_page(seed: int, scale: float) -> list[tuple[str, int, float, float]]:
    """(case, requests, first-pass ms, second-pass ms) of the server's CPU per page."""
    import requests

    from stripe_dbapi.sandbox import data

    ds = data.generate(seed, scale)
    code = _SERVE.format(seed=seed, scale=scale)
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        url, key = proc.stdout.readline().split()

        def server_cpu() -> float:
            proc.stdin.write("\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            return float(proc.stdout.readline())  # type: ignore[union-attr]

        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + key
        out = []
        for name, (path, queries) in _cases(ds).items():
            passes = []
            for _ in range(3):
                before = server_cpu()
                for q in queries:
                    s.get(url + path, params=q).raise_for_status()
                passes.append((server_cpu() - before) / len(queries) * 1000)
            # The least of the later passes: the machine's other work only ever adds.
            out.append((name, len(queries), passes[0], min(passes[1:])))
            print(
                f"{name:>50}: {min(passes[1:]):6.2f} ms CPU per page "
                f"(first pass {passes[0]:6.2f} ms; {len(queries)} requests)",
                flush=True,
            )
        return out
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def run(seed: int, scale: float) -> dict:
    code = _RUN.format(seed=seed, scale=scale)
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cpu-scale", type=float, default=2.0, help="scale of the CPU runs")
    parser.add_argument("--only", choices=("ready", "cpu"), help="run one part only")
    args = parser.parse_args(argv)
    if args.only != "ready":
        print(f"server CPU per page, scale {args.cpu_scale:g} (sandbox in its own process)")
        cpu_per_page(args.seed, args.cpu_scale)
        if args.only == "cpu":
            return 0
    results = [run(args.seed, args.scale) for _ in range(args.runs)]
    med = statistics.median
    print(
        f"scale {args.scale}, seed {args.seed}: {results[0]['rows']:,} rows over {args.runs} fresh processes"
    )
    ms = {
        k: med(r[k] for r in results) * 1000 for k in ("import_s", "generate_s", "generate_cpu_s")
    }
    print(f"{'import + load catalog':>22}: median {ms['import_s']:7.1f} ms")
    print(
        f"{'generate data set':>22}: median {ms['generate_s']:7.1f} ms wall, {ms['generate_cpu_s']:7.1f} ms CPU"
    )
    print(
        f"{'start_sandbox ready':>22}: median {med(r['ready_s'] for r in results) * 1000:7.1f} ms (incl. imports)"
    )
    for name in ("page_all_charges", "filtered_list", "search", "retrieve_expand"):
        rps = med(r[name]["rps"] for r in results)
        print(f"{name:>22}: median {rps:7.1f} requests/s ({results[0][name]['requests']} requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
