"""Hand-written generators for money movement and events.

Paid invoices and standalone orders become payment intents with one charge each (failed
attempts carry a decline code, canceled intents none); succeeded charges, refunds and
disputes each post a balance transaction; payouts sweep the transactions that became
available since the previous payout (`balance_transactions?payout=` finds them); objects
created in the 30 days before NOW have events, as Stripe keeps events for 30 days.
"""

from __future__ import annotations

from typing import Any

from stripe_dbapi._typing import Row
from stripe_dbapi.sandbox.builder import DAY, HISTORY, NOW, Builder

_BRANDS = ("visa", "visa", "visa", "mastercard", "mastercard", "amex", "discover")
_DECLINES = (
    ("card_declined", "Your card was declined."),
    ("insufficient_funds", "Your card has insufficient funds."),
    ("expired_card", "Your card has expired."),
)
_EVENTS = {
    "customer": ("customer.created",),
    "product": ("product.created",),
    "price": ("price.created",),
    "subscription": ("customer.subscription.created",),
    "invoice": ("invoice.created", "invoice.finalized"),
    "payment_intent": ("payment_intent.created",),
    "refund": ("refund.created",),
    "dispute": ("charge.dispute.created",),
    "payout": ("payout.created",),
    "coupon": ("coupon.created",),
}
_EVENT_TABLES = (
    "customers",
    "products",
    "prices",
    "subscriptions",
    "invoices",
    "payment_intents",
    "charges",
    "refunds",
    "disputes",
    "payouts",
    "coupons",
)


def build(b: Builder, customers: list[Row], invoices: list[Row]) -> None:
    """Payments, refunds, disputes, balance transactions, payouts and events."""
    charges = _payments(b, customers, invoices)
    _refunds_and_disputes(b, charges)
    _payouts(b)
    _events(b)


def _payment_method(b: Builder, cust: Row, cache: dict[str, Row]) -> Row:
    pm = cache.get(cust["id"])
    if pm is None:
        brand = b.rng.choice(_BRANDS)
        tmpl = b.template("payment_methods", "payment_method")
        card = dict(
            tmpl.get("card") or {},
            brand=brand,
            display_brand=brand,
            last4=f"{b.rng.randint(0, 9999):04d}",
            exp_year=2027 + b.rng.randint(0, 5),
            generated_from=None,
        )
        pm = b.new(
            "payment_methods",
            "payment_method",
            created=cust["created"],
            customer=cust["id"],
            card=card,
            type="card",
            metadata={},
            billing_details=dict(
                tmpl.get("billing_details") or {}, email=cust["email"], name=cust["name"]
            ),
        )
        cache[cust["id"]] = b.add("payment_methods", pm)
    return pm


def _charge(b: Builder, pi: Row, cust: Row | None, pm: Row | None, ok: bool) -> Row:
    rng = b.rng
    tmpl = b.template("charges", "charge")
    card_tmpl = (tmpl.get("payment_method_details") or {}).get("card") or {}
    brand = pm["card"]["brand"] if pm else rng.choice(_BRANDS)
    last4 = pm["card"]["last4"] if pm else f"{rng.randint(0, 9999):04d}"
    failure = None if ok else rng.choice(_DECLINES)
    charge = b.new(
        "charges",
        "charge",
        created=pi["created"],
        amount=pi["amount"],
        amount_captured=pi["amount"] if ok else 0,
        amount_refunded=0,
        captured=ok,
        paid=ok,
        refunded=False,
        disputed=False,
        status="succeeded" if ok else "failed",
        currency=pi["currency"],
        customer=cust["id"] if cust else None,
        payment_intent=pi["id"],
        payment_method=pm["id"] if pm else None,
        description=pi["description"],
        metadata=pi["metadata"],
        receipt_email=cust["email"] if cust else None,
        receipt_url=f"https://pay.stripe.com/receipts/sandbox/{pi['id']}",
        billing_details={
            "address": cust["address"] if cust else None,
            "email": cust["email"] if cust else None,
            "name": cust["name"] if cust else "Guest",
            "phone": None,
            "tax_id": None,
        },
        payment_method_details={
            "card": dict(card_tmpl, brand=brand, network=brand, last4=last4),
            "type": "card",
        },
        outcome={
            "network_status": "approved_by_network" if ok else "declined_by_network",
            "reason": None if ok else "generic_decline",
            "risk_level": "normal",
            "risk_score": rng.randint(0, 60),
            "seller_message": "Payment complete."
            if ok
            else "The bank did not return any further details with this decline.",
            "type": "authorized" if ok else "issuer_declined",
        },
        failure_code=failure[0] if failure else None,
        failure_message=failure[1] if failure else None,
        calculated_statement_descriptor="SANDBOX CO",
        balance_transaction=None,
        failure_balance_transaction=None,
        application=None,
        source=None,
        review=None,
        shipping=None,
        refunds={"object": "list", "data": [], "has_more": False, "total_count": 0, "url": None},
        transfer_data=None,
    )
    charge["refunds"]["url"] = f"/v1/charges/{charge['id']}/refunds"
    if ok:
        fee = round(charge["amount"] * 0.029) + 30
        bt = _balance_txn(
            b,
            charge["created"],
            charge["amount"],
            fee,
            "charge",
            "charge",
            charge["id"],
            charge["currency"],
            charge["description"],
        )
        charge["balance_transaction"] = bt["id"]
    return b.add("charges", charge)


def _payments(b: Builder, customers: list[Row], invoices: list[Row]) -> list[Row]:
    rng = b.rng
    pms: dict[str, Row] = {}
    by_id = {c["id"]: c for c in customers}
    charges: list[Row] = []
    target = b.count(5000, 5)

    def pay(
        cust: Row | None,
        t: int,
        amount: int,
        currency: str,
        desc: str,
        meta: dict[str, Any],
        outcome: str,
    ) -> Row:
        pm = _payment_method(b, cust, pms) if cust else None
        pi = b.new(
            "payment_intents",
            "payment_intent",
            created=t,
            amount=amount,
            amount_received=amount if outcome == "succeeded" else 0,
            amount_capturable=0,
            currency=currency,
            customer=cust["id"] if cust else None,
            description=desc,
            metadata=meta,
            status=outcome,
            payment_method=pm["id"] if pm and outcome != "requires_payment_method" else None,
            canceled_at=b.after(t, DAY) if outcome == "canceled" else None,
            cancellation_reason="abandoned" if outcome == "canceled" else None,
            last_payment_error=None,
            next_action=None,
            processing=None,
            transfer_data=None,
            payment_method_configuration_details=None,
            latest_charge=None,
            receipt_email=cust["email"] if cust else None,
            shipping=None,
            review=None,
            source=None,
        )
        pi["client_secret"] = f"{pi['id']}_secret_{b.ids.raw('', 25)}"
        if outcome != "canceled":
            charge = _charge(b, pi, cust, pm, outcome == "succeeded")
            pi["latest_charge"] = charge["id"]
            if outcome != "succeeded":
                pi["last_payment_error"] = {
                    "type": "card_error",
                    "code": charge["failure_code"],
                    "message": charge["failure_message"],
                    "charge": charge["id"],
                }
            charges.append(charge)
        return b.add("payment_intents", pi)

    for inv in invoices:
        if inv["status"] != "paid" or inv["amount_paid"] <= 0:
            continue
        pi = pay(
            by_id[inv["customer"]],
            inv["created"],
            inv["amount_paid"],
            inv["currency"],
            "Subscription creation"
            if inv["billing_reason"] == "subscription_create"
            else "Payment for Invoice",
            {"invoice": inv["id"]},
            "succeeded",
        )
        b.relate("payment_intents", pi["id"], "invoice", inv["id"])
        b.add(
            "invoice_payments",
            b.new(
                "invoice_payments",
                "invoice_payment",
                created=inv["created"],
                invoice=inv["id"],
                amount_paid=inv["amount_paid"],
                amount_requested=inv["amount_due"],
                currency=inv["currency"],
                is_default=True,
                status="paid",
                payment={"type": "payment_intent", "payment_intent": pi["id"]},
                status_transitions={"canceled_at": None, "paid_at": inv["created"] + 3600},
            ),
        )
    outcomes = ("succeeded",) * 85 + ("requires_payment_method",) * 9 + ("canceled",) * 6
    times = iter(b.times(target * 2))
    while len(charges) < target:
        t = next(times)
        cust = rng.choice(customers) if rng.random() < 0.85 else None
        if cust and cust["created"] > t:
            t = b.after(cust["created"], NOW - cust["created"])
        amount = rng.choice((500, 1200, 2500, 4999, 9900, 15000, 25000, 120000)) + rng.randint(
            0, 99
        ) * (rng.random() < 0.5)
        meta = {
            "order_id": f"ord_{rng.randint(100000, 999999)}",
            "channel": rng.choice(("web", "mobile", "pos")),
        }
        pay(
            cust,
            t,
            amount,
            "usd" if rng.random() < 0.9 else "eur",
            f"Order {meta['order_id']}",
            meta,
            rng.choice(outcomes),
        )
    return charges


def _balance_txn(
    b: Builder,
    t: int,
    amount: int,
    fee: int,
    kind: str,
    category: str,
    source: str,
    currency: str,
    desc: str | None,
) -> Row:
    available = t + 2 * DAY - t % DAY if kind == "charge" else t
    fee_details = (
        [
            {
                "amount": fee,
                "application": None,
                "currency": currency,
                "description": "Stripe processing fees",
                "type": "stripe_fee",
            }
        ]
        if fee
        else []
    )
    bt = b.new(
        "balance_transactions",
        "balance_transaction",
        created=t,
        available_on=available,
        amount=amount,
        fee=fee,
        fee_details=fee_details,
        net=amount - fee,
        currency=currency,
        type=kind,
        reporting_category=category,
        source=source,
        status="available" if available <= NOW else "pending",
        description=desc,
        exchange_rate=None,
    )
    return b.add("balance_transactions", bt)


def _refunds_and_disputes(b: Builder, charges: list[Row]) -> None:
    rng = b.rng
    for charge in charges:
        if charge["status"] != "succeeded":
            continue
        roll = rng.random()
        if roll < 0.08:
            amount = charge["amount"] if rng.random() < 0.6 else rng.randint(1, charge["amount"])
            t = b.after(charge["created"], 30 * DAY)
            refund = b.new(
                "refunds",
                "refund",
                created=t,
                amount=amount,
                charge=charge["id"],
                payment_intent=charge["payment_intent"],
                currency=charge["currency"],
                status="succeeded",
                reason=rng.choice(("requested_by_customer", "duplicate", "fraudulent", None)),
                metadata={},
                customer=charge["customer"],
                payment_method=charge["payment_method"],
                receipt_number=None,
            )
            bt = _balance_txn(
                b,
                t,
                -amount,
                0,
                "refund",
                "refund",
                refund["id"],
                charge["currency"],
                "REFUND FOR CHARGE",
            )
            refund["balance_transaction"] = bt["id"]
            b.add("refunds", refund)
            charge["amount_refunded"] = amount
            charge["refunded"] = amount == charge["amount"]
            charge["refunds"] = dict(charge["refunds"], data=[refund], total_count=1)
        elif roll < 0.092:
            t = b.after(charge["created"], 60 * DAY)
            status = rng.choice(("won", "lost", "needs_response", "under_review", "warning_closed"))
            dispute = b.new(
                "disputes",
                "dispute",
                created=t,
                amount=charge["amount"],
                charge=charge["id"],
                payment_intent=charge["payment_intent"],
                currency=charge["currency"],
                status=status,
                reason=rng.choice(
                    (
                        "fraudulent",
                        "product_not_received",
                        "duplicate",
                        "subscription_canceled",
                        "general",
                    )
                ),
                metadata={},
                is_charge_refundable=False,
            )
            bt = _balance_txn(
                b,
                t,
                -charge["amount"],
                1500,
                "adjustment",
                "dispute",
                dispute["id"],
                charge["currency"],
                f"Chargeback withdrawal for {charge['id']}",
            )
            dispute["balance_transactions"] = [bt]
            dispute["evidence_details"] = dict(
                dispute.get("evidence_details") or {},
                due_by=t + 7 * DAY,
                past_due=t + 7 * DAY < NOW,
            )
            b.add("disputes", dispute)
            charge["disputed"] = True


def _payouts(b: Builder) -> None:
    """A payout every two days sweeps what became available since the previous one."""
    txns = sorted(
        b.rows.get("balance_transactions", []), key=lambda r: (r["available_on"], r["id"])
    )
    start = (NOW - HISTORY) - (NOW - HISTORY) % DAY
    i = 0
    for day in range(start + 2 * DAY, NOW, 2 * DAY):
        swept = []
        while i < len(txns) and txns[i]["available_on"] <= day:
            if txns[i]["currency"] == "usd":
                swept.append(txns[i])
            i += 1
        amount = sum(t["net"] for t in swept)
        if amount <= 0:
            continue
        payout = b.new(
            "payouts",
            "payout",
            created=day - DAY // 2,
            arrival_date=day + DAY,
            amount=amount,
            currency="usd",
            status="paid" if day + DAY <= NOW else "in_transit",
            automatic=True,
            method="standard",
            type="bank_account",
            destination=None,
            metadata={},
            description="STRIPE PAYOUT",
            failure_code=None,
            failure_message=None,
            failure_balance_transaction=None,
            original_payout=None,
            reversed_by=None,
            trace_id=None,
        )
        bt = _balance_txn(
            b,
            payout["created"],
            -amount,
            0,
            "payout",
            "payout",
            payout["id"],
            "usd",
            "STRIPE PAYOUT",
        )
        payout["balance_transaction"] = bt["id"]
        b.add("payouts", payout)
        for txn in [*swept, bt]:
            b.relate("balance_transactions", txn["id"], "payout", payout["id"])


def _events(b: Builder) -> None:
    since = NOW - 30 * DAY
    version = b.catalog.api_version
    for table in _EVENT_TABLES:
        for obj in b.rows.get(table, ()):
            if obj["created"] < since:
                continue
            if table == "charges":
                types: tuple[str, ...] = (
                    ("charge.succeeded",) if obj["status"] == "succeeded" else ("charge.failed",)
                )
            else:
                types = _EVENTS[obj["object"]]
            for k, kind in enumerate(types):
                event = b.new(
                    "events",
                    "event",
                    created=obj["created"] + k,
                    type=kind,
                    data={"object": obj},
                    api_version=version,
                    pending_webhooks=0,
                    request={"id": b.ids.raw("req_", 14), "idempotency_key": None},
                )
                b.add("events", event)
