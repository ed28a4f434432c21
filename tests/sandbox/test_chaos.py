"""Latency, rate limiting and faults: observable with plain HTTP, repeatable by seed."""

from __future__ import annotations

import time

import requests

from stripe_dbapi.sandbox import start_sandbox


def _get(url: str, key: str) -> requests.Response | None:
    try:
        return requests.get(
            f"{url}/v1/customers?limit=1", headers={"Authorization": f"Bearer {key}"}, timeout=5
        )
    except requests.ConnectionError:
        return None


def test_latency_delays_each_request() -> None:
    with start_sandbox(latency_ms="80:120") as srv:
        start = time.perf_counter()
        for _ in range(3):
            assert _get(srv.url, srv.api_key).status_code == 200
        assert time.perf_counter() - start >= 0.24


def test_rate_limit_answers_429_beyond_the_budget() -> None:
    with start_sandbox(rate_limit=5) as srv:
        statuses = [_get(srv.url, srv.api_key) for _ in range(12)]
        limited = [r for r in statuses if r is not None and r.status_code == 429]
        assert limited
        assert limited[0].headers["Stripe-Rate-Limited-Reason"] == "global-rate"
        assert limited[0].json()["error"]["code"] == "rate_limit"
        time.sleep(0.5)
        assert _get(srv.url, srv.api_key).status_code == 200  # the bucket refills


def _fault_run(seed: int) -> list[object]:
    with start_sandbox(seed=seed, scale=0.05, faults="50%") as srv:
        out: list[object] = []
        for _ in range(40):
            r = _get(srv.url, srv.api_key)
            out.append(
                "drop" if r is None else (r.status_code, r.headers.get("Stripe-Should-Retry"))
            )
        assert [e.status for e in srv.requests] == [0 if o == "drop" else o[0] for o in out]
        return out


def test_faults_are_injected_and_repeat_for_the_same_seed() -> None:
    first = _fault_run(7)
    assert {(500, "true"), (503, "true"), "drop"} <= set(first)
    assert (200, None) in first
    assert _fault_run(7) == first
    assert _fault_run(8) != first


def test_percentage_rate_limit_is_seeded() -> None:
    runs = []
    for _ in range(2):
        with start_sandbox(seed=3, scale=0.05, rate_limit="30%") as srv:
            runs.append([_get(srv.url, srv.api_key).status_code for _ in range(20)])
    assert runs[0] == runs[1]
    assert 429 in runs[0] and 200 in runs[0]
