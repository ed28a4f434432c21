"""How fast the sandbox is ready and how fast it pages.

    python benchmarks/bench_sandbox.py [--scale 1] [--seed 0] [--runs 3]

Measures, in a fresh interpreter per run (the data set is cached per process): the time
to import the package and load the catalog, the time to generate the data set, the time until `start_sandbox` returns a serving server, and,
against that server, requests per second paging all charges with `limit=100` over one
keep-alive connection, a filtered list, a search, and a retrieve with expand.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

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
    args = parser.parse_args(argv)
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
