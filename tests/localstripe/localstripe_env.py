"""Starting localstripe and seeding it through stripe-python (used by conftest.py).

localstripe (PyPI) is a Stripe emulator written by others. It runs in a subprocess
(`launcher.py`: loopback only, pickle store off, plus the one `GET /v1/account` route
`connect()` needs) and is seeded through the official SDK, which is also the oracle the
tests compare the driver against.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import stripe

HERE = Path(__file__).parent
API_KEY = "sk_test_localstripe_0000000000"
START_TIMEOUT = 20.0

TIERS = ("gold", "silver", "bronze")
PLAN_AMOUNTS = {"gold": 2000, "silver": 1000, "bronze": 500}
SHARED_EMAIL = "shared@example.com"
N_CUSTOMERS = 20


@dataclass(frozen=True)
class LocalStripe:
    """A running localstripe process and how to reach it."""

    url: str
    process: subprocess.Popen[str]

    @property
    def dsn(self) -> str:
        return f"AuthScheme=APIKey;LiveAPIKey={API_KEY};ApiBase={self.url};MaxRetries=0"


@dataclass(frozen=True)
class Seeded:
    """Ids the seeding made that tests need to name; everything else comes from the SDK."""

    customers: tuple[str, ...]
    canceled_subscriptions: tuple[str, ...]
    manual_invoice: str
    refunded_charge: str


def start_localstripe(*, account_shim: bool = True) -> LocalStripe:
    """Start `launcher.py` and wait for the port it prints."""
    args = [sys.executable, str(HERE / "launcher.py")]
    if account_shim:
        args.append("--account-shim")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + START_TIMEOUT
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the launcher prints its port before serving
    if not line.startswith("PORT ") or time.monotonic() > deadline:
        stop_localstripe(proc)
        raise RuntimeError(f"localstripe did not start (first line: {line!r})")
    url = f"http://127.0.0.1:{int(line.split()[1])}"
    _wait_until_listening(url, deadline, proc)
    return LocalStripe(url, proc)


def _wait_until_listening(url: str, deadline: float, proc: subprocess.Popen[str]) -> None:
    import requests

    while True:
        try:
            requests.get(
                f"{url}/v1/balance", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=1
            )
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                stop_localstripe(proc)
                raise RuntimeError("localstripe never accepted connections") from None
            time.sleep(0.05)


def stop_localstripe(proc: subprocess.Popen[str]) -> None:
    """Terminate the launcher we started (by its own handle) and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    if proc.stdout is not None:
        proc.stdout.close()


def seed(sdk: stripe.StripeClient) -> Seeded:
    """A small, referentially consistent account, made only through stripe-python."""
    plans = {}
    for tier in TIERS:
        product = sdk.v1.products.create(params={"name": tier.title(), "metadata": {"tier": tier}})
        plans[tier] = sdk.v1.plans.create(
            params={
                "product": product.id,
                "amount": PLAN_AMOUNTS[tier],
                "currency": "usd",
                "interval": "month",
            }
        ).id
    sdk.v1.coupons.create(params={"id": "LAUNCH10", "percent_off": 10, "duration": "once"})
    sdk.v1.coupons.create(
        params={"id": "FIVEOFF", "amount_off": 500, "currency": "usd", "duration": "forever"}
    )

    customers = []
    for i in range(N_CUSTOMERS):
        pm = sdk.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {
                    "number": "4242424242424242",
                    "exp_month": 12,
                    "exp_year": 2030,
                    "cvc": "123",
                },
            }
        )
        # Customers 15 and 16 have no `plan` key, so metadata->>'plan' is NULL for them.
        metadata = {"idx": str(i)} if i in (15, 16) else {"plan": TIERS[i % 3], "idx": str(i)}
        customer = sdk.v1.customers.create(
            params={
                "email": SHARED_EMAIL if i >= 17 else f"customer{i:02d}@example.com",
                "name": f"Customer {i:02d}",
                "metadata": metadata,
                "payment_method": pm.id,
                "invoice_settings": {"default_payment_method": pm.id},
            }
        )
        customers.append(customer.id)
        # 4 to 7 charges each: 110 in all, so a full scan of charges takes two pages.
        for j in range(4 + i % 4):
            sdk.v1.charges.create(
                params={
                    "customer": customer.id,
                    "amount": 100 * (j + 1) + i,
                    "currency": "usd" if j % 2 == 0 else "eur",
                    "metadata": {"order": f"{i}-{j}"},
                }
            )

    for i in range(5):
        sdk.v1.payment_intents.create(
            params={
                "customer": customers[i],
                "amount": 1500 + i,
                "currency": "usd",
                "confirm": True,
                "payment_method": _default_pm(sdk, customers[i]),
            }
        )

    charges = [c.id for c in sdk.v1.charges.list(params={"customer": customers[3]}).data]
    sdk.v1.refunds.create(params={"charge": charges[0]})
    sdk.v1.refunds.create(params={"charge": charges[1], "amount": 50})
    sdk.v1.refunds.create(params={"charge": charges[2], "amount": 25})

    subscriptions = []
    for i in range(12):
        params: dict[str, Any] = {
            "customer": customers[i],
            "items": [{"plan": plans[TIERS[i % 3]]}],
        }
        if i == 1:
            params["trial_period_days"] = 14
        subscriptions.append(sdk.v1.subscriptions.create(params=params).id)
    canceled = tuple(subscriptions[i] for i in (0, 4, 8))
    for sub in canceled:
        sdk.v1.subscriptions.cancel(sub)

    # Two invoice items become lines of a manual invoice; two more stay pending.
    for amount in (300, 450):
        sdk.v1.invoice_items.create(
            params={"customer": customers[2], "amount": amount, "currency": "usd"}
        )
    invoice = sdk.v1.invoices.create(params={"customer": customers[2]})
    for amount in (120, 80):
        sdk.v1.invoice_items.create(
            params={"customer": customers[13], "amount": amount, "currency": "usd"}
        )
    return Seeded(tuple(customers), canceled, invoice.id, charges[0])


def _default_pm(sdk: stripe.StripeClient, customer: str) -> str:
    settings = sdk.v1.customers.retrieve(customer).invoice_settings
    assert settings is not None and settings.default_payment_method
    return str(settings.default_payment_method)
