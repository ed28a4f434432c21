"""The `serve` subcommand."""

from __future__ import annotations

import argparse
import io
import re
import threading

import pytest
import requests

from stripe_dbapi.cli import sandbox as cli


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stripe-dbapi sandbox")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_register_adds_serve_with_its_options() -> None:
    args = _parser().parse_args(
        [
            "serve",
            "--port",
            "0",
            "--seed",
            "3",
            "--scale",
            "0.5",
            "--latency-ms",
            "5:10",
            "--rate-limit",
            "25",
            "--faults",
            "2%",
            "--api-key",
            "sk_test_abcdefghij",
        ]
    )
    assert (args.seed, args.scale, args.latency_ms, args.rate_limit, args.faults) == (
        3,
        0.5,
        "5:10",
        "25",
        "2%",
    )
    assert args.func is cli.serve


@pytest.mark.parametrize(
    "bad",
    [["--latency-ms", "slow"], ["--rate-limit", "fast"], ["--faults", "200%"], ["--scale", "0"]],
)
def test_bad_options_are_usage_errors(bad: list[str]) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", *bad])


def test_serve_prints_its_url_and_connection_string_and_serves() -> None:
    out = io.StringIO()
    stop = threading.Event()
    args = _parser().parse_args(["serve", "--scale", "0.05"])
    thread = threading.Thread(target=cli.serve, args=(args, out, stop))
    thread.start()
    try:
        for _ in range(200):
            if "Connection string" in out.getvalue():
                break
            stop.wait(0.02)
        text = out.getvalue()
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text).group(1)
        dsn = re.search(r"Connection string: (\S+)", text).group(1)
        assert dsn == f"AuthScheme=APIKey;LiveAPIKey=sk_test_sandbox_0000000000;ApiBase={url}"
        r = requests.get(
            f"{url}/v1/account", headers={"Authorization": "Bearer sk_test_sandbox_0000000000"}
        )
        assert r.status_code == 200
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
