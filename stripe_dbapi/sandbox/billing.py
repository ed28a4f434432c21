"""Hand-written generators for billing: subscriptions, their items, invoices and lines.

Each subscription bills through an invoice per recent period (at most six) whose lines are
its items at their prices; one-off invoices are made of invoice items, some with more than
ten lines; every invoice's lines add up to its totals. The relationships list filters
narrow on (`invoices?subscription=`, `subscriptions?price=`) are recorded as they are made.
"""

from __future__ import annotations

from typing import Any

from stripe_dbapi._typing import Row
from stripe_dbapi.sandbox.builder import DAY, NOW, Builder

_AMOUNTS = (500, 900, 1500, 2000, 2900, 4900, 9900, 19900, 49900)


def _pick(b: Builder, pairs: tuple[tuple[str, int], ...]) -> str:
    return b.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def subscriptions(b: Builder, customers: list[Row], prices: list[Row]) -> list[Row]:
    rng = b.rng
    recurring = [p for p in prices if p["recurring"] and p["currency"] == "usd"]
    statuses = (
        ("active", 60),
        ("canceled", 20),
        ("trialing", 8),
        ("past_due", 6),
        ("unpaid", 2),
        ("incomplete_expired", 2),
        ("paused", 2),
    )
    plans = {p["id"]: p for p in b.rows.get("plans", ())}
    out = []
    for cust in rng.sample(customers, k=min(len(customers), b.count(600, 2))):
        start = b.after(cust["created"], 60 * DAY)
        status = _pick(b, statuses)
        first = rng.choice(recurring)
        chosen = [first] + [
            p
            for p in rng.sample(recurring, k=min(2, len(recurring)))
            if p["id"] != first["id"]
            and p["recurring"]["interval"] == first["recurring"]["interval"]
        ][: rng.randint(0, 2)]
        period = 30 * DAY if first["recurring"]["interval"] == "month" else 365 * DAY
        ended = None
        if status in ("canceled", "incomplete_expired"):
            ended = b.after(start, max(DAY, (NOW - start) - DAY))
        elapsed = ((ended or NOW) - start) // period
        current_start = start + elapsed * period
        sub_id = b.ids.new("subscription")
        items = []
        for price in chosen:
            item = b.new(
                "subscription_items",
                "subscription_item",
                created=start,
                subscription=sub_id,
                price=price,
                plan=plans.get(price["id"]),
                quantity=rng.choice((1, 1, 1, 2, 5, 10)),
                current_period_start=current_start,
                current_period_end=current_start + period,
                metadata={},
                discounts=[],
                tax_rates=[],
                billing_thresholds=None,
            )
            items.append(b.add_child("subscription_items", sub_id, item))
        row = b.new(
            "subscriptions",
            "subscription",
            id=sub_id,
            created=start,
            start_date=start,
            billing_cycle_anchor=start,
            customer=cust["id"],
            status=status,
            currency="usd",
            canceled_at=ended if status == "canceled" else None,
            ended_at=ended,
            cancel_at=None,
            cancel_at_period_end=status == "active" and rng.random() < 0.05,
            cancellation_details={
                "comment": None,
                "feedback": rng.choice(("too_expensive", "unused", "switched_service"))
                if ended
                else None,
                "reason": "cancellation_requested" if ended else None,
            },
            trial_start=start if status == "trialing" else None,
            trial_end=NOW + 14 * DAY if status == "trialing" else None,
            items={
                "object": "list",
                "data": items,
                "has_more": False,
                "total_count": len(items),
                "url": f"/v1/subscription_items?subscription={sub_id}",
            },
            metadata={
                "plan": cust["metadata"]["plan"],
                "channel": rng.choice(("web", "sales", "partner")),
            },
            latest_invoice=None,
            discounts=[],
            billing_cycle_anchor_config=None,
            schedule=None,
            test_clock=None,
            default_payment_method=None,
            billing_schedules=[],
            next_pending_invoice_item_invoice=None,
            pending_invoice_item_interval=None,
            pending_update=None,
            transfer_data=None,
            pause_collection={"behavior": "void", "resumes_at": None}
            if status == "paused"
            else None,
        )
        row["_period"] = period
        # Fields that moved from subscriptions to their items; list filters still take them.
        for column, value in (
            ("price", [p["id"] for p in chosen]),
            ("plan", [p["id"] for p in chosen]),
            ("current_period_start", current_start),
            ("current_period_end", current_start + period),
        ):
            b.relate("subscriptions", sub_id, column, value)
        out.append(b.add("subscriptions", row))
    return out


def _line(
    b: Builder,
    invoice: Row,
    amount: int,
    t: int,
    desc: str,
    parent: dict[str, Any],
    price: Row | None,
    qty: int,
    period: tuple[int, int],
) -> Row:
    return b.new(
        "invoices_lines",
        "line_item",
        amount=amount,
        subtotal=amount,
        currency=invoice["currency"],
        description=desc,
        invoice=invoice["id"],
        period={"start": period[0], "end": period[1]},
        quantity=qty,
        quantity_decimal=str(qty),
        parent=parent,
        pricing={
            "type": "price_details",
            "price_details": {"price": price["id"], "product": price["product"]} if price else None,
            "unit_amount_decimal": str(amount // max(qty, 1)),
        },
        metadata={},
        discount_amounts=[],
        discounts=[],
        taxes=[],
        pretax_credit_amounts=[],
        subscription=(parent.get("subscription_item_details") or {}).get("subscription"),
        created=t,
    )


def _finish_invoice(b: Builder, inv: Row, lines: list[Row], status: str) -> None:
    subtotal = sum(line["amount"] for line in lines)
    paid = subtotal if status == "paid" else 0
    inv.update(
        subtotal=subtotal,
        subtotal_excluding_tax=subtotal,
        total=subtotal,
        total_excluding_tax=subtotal,
        amount_due=subtotal,
        amount_paid=paid,
        amount_remaining=subtotal - paid if status != "void" else 0,
        status=status,
        attempted=status != "draft",
        attempt_count=int(status != "draft"),
        lines={
            "object": "list",
            "data": lines[:10],
            "has_more": len(lines) > 10,
            "total_count": len(lines),
            "url": f"/v1/invoices/{inv['id']}/lines",
        },
        status_transitions={
            "finalized_at": None if status == "draft" else inv["created"],
            "marked_uncollectible_at": None,
            "paid_at": inv["created"] + 3600 if status == "paid" else None,
            "voided_at": None,
        },
        number=None if status == "draft" else inv["number"],
        hosted_invoice_url=None
        if status == "draft"
        else f"https://invoice.stripe.com/i/sandbox/{inv['id']}",
    )
    for line in lines:
        line.pop("created", None)
        b.add_child("invoices_lines", inv["id"], line)
    b.add("invoices", inv)


def _new_invoice(b: Builder, cust: Row, t: int, reason: str, seq: dict[str, int]) -> Row:
    n = seq[cust["id"]] = seq.get(cust["id"], 0) + 1
    return b.new(
        "invoices",
        "invoice",
        created=t,
        effective_at=t,
        period_start=t,
        period_end=t,
        customer=cust["id"],
        customer_email=cust["email"],
        customer_name=cust["name"],
        customer_address=cust["address"],
        currency="usd",
        billing_reason=reason,
        collection_method="charge_automatically",
        due_date=None,
        number=f"{cust['invoice_prefix']}-{n:04d}",
        metadata={"plan": cust["metadata"]["plan"]},
        account_name="Sandbox Co",
        auto_advance=False,
        from_invoice=None,
        last_finalization_error=None,
        parent=None,
        subscription=None,
        discounts=[],
        test_clock=None,
        starting_balance=0,
        ending_balance=0,
        amount_overpaid=0,
        next_payment_attempt=None,
        shipping_cost=None,
        shipping_details=None,
        webhooks_delivered_at=t,
    )


def invoices(b: Builder, customers: list[Row], subs: list[Row], prices: list[Row]) -> list[Row]:
    """Subscription invoices (one per recent period) and one-off invoices of invoice items."""
    rng = b.rng
    by_id = {c["id"]: c for c in customers}
    seq: dict[str, int] = {}
    for sub in subs:
        cust = by_id[sub["customer"]]
        period = sub.pop("_period")
        end = sub["ended_at"] or NOW
        starts = list(range(sub["start_date"], end, period))[-6:]
        for k, t in enumerate(starts):
            reason = "subscription_create" if t == sub["start_date"] else "subscription_cycle"
            inv = _new_invoice(b, cust, t, reason, seq)
            details = {
                "subscription": sub["id"],
                "metadata": sub["metadata"],
                "subscription_proration_date": None,
            }
            inv["parent"] = {
                "type": "subscription_details",
                "subscription_details": details,
                "quote_details": None,
            }
            inv["subscription"] = sub["id"]
            inv["period_start"], inv["period_end"] = t - period if k else t, t
            lines = []
            for item in sub["items"]["data"]:
                price = item["price"]
                amount = (
                    0 if sub["status"] == "trialing" else price["unit_amount"] * item["quantity"]
                )
                parent = {
                    "type": "subscription_item_details",
                    "invoice_item_details": None,
                    "subscription_item_details": {
                        "invoice_item": None,
                        "proration": False,
                        "proration_details": {"credited_items": None},
                        "subscription": sub["id"],
                        "subscription_item": item["id"],
                    },
                }
                lines.append(
                    _line(
                        b,
                        inv,
                        amount,
                        t,
                        f"{item['quantity']} × {price['nickname']}",
                        parent,
                        price,
                        item["quantity"],
                        (t, t + period),
                    )
                )
            last = k == len(starts) - 1
            status = "paid"
            if last and sub["status"] in ("past_due", "unpaid"):
                status = "open"
            elif last and sub["status"] == "incomplete_expired":
                status = "void"
            _finish_invoice(b, inv, lines, status)
            b.relate("invoices", inv["id"], "subscription", sub["id"])
            sub["latest_invoice"] = inv["id"]
    one_time = [p for p in prices if not p["recurring"] and p["currency"] == "usd"] or prices
    for cust in rng.choices(customers, k=b.count(150, 2)):
        t = b.after(cust["created"], 400 * DAY)
        inv = _new_invoice(b, cust, t, "manual", seq)
        inv["collection_method"] = rng.choice(("charge_automatically", "send_invoice"))
        inv["due_date"] = t + 30 * DAY if inv["collection_method"] == "send_invoice" else None
        n_lines = rng.randint(11, 25) if rng.random() < 0.12 else rng.randint(1, 4)
        lines = []
        for _ in range(n_lines):
            price = rng.choice(one_time)
            qty = rng.randint(1, 3)
            item = b.new(
                "invoiceitems",
                "invoiceitem",
                date=t,
                customer=cust["id"],
                invoice=inv["id"],
                amount=price["unit_amount"] * qty,
                quantity=qty,
                quantity_decimal=str(qty),
                currency="usd",
                description=price["nickname"],
                period={"start": t, "end": t},
                parent=None,
                pricing={
                    "type": "price_details",
                    "price_details": {"price": price["id"], "product": price["product"]},
                    "unit_amount_decimal": str(price["unit_amount"]),
                },
                net_amount=price["unit_amount"] * qty,
                metadata={"order": f"ord_{rng.randint(10000, 99999)}"},
                test_clock=None,
            )
            b.add("invoiceitems", item)
            b.relate("invoiceitems", item["id"], "created", t)  # list order; Stripe has `date`
            parent = {
                "type": "invoice_item_details",
                "subscription_item_details": None,
                "invoice_item_details": {
                    "invoice_item": item["id"],
                    "proration": False,
                    "proration_details": {"credited_items": None},
                    "subscription": None,
                },
            }
            lines.append(
                _line(b, inv, item["amount"], t, price["nickname"], parent, price, qty, (t, t))
            )
        status = rng.choices(
            ("paid", "open", "draft", "void", "uncollectible"), weights=(80, 8, 5, 4, 3)
        )[0]
        _finish_invoice(b, inv, lines, status)
    for cust in rng.sample(customers, k=min(len(customers), b.count(40, 1))):
        t = b.after(cust["created"], 200 * DAY)
        amount = rng.choice(_AMOUNTS)
        pending = b.add(
            "invoiceitems",
            b.new(
                "invoiceitems",
                "invoiceitem",
                date=t,
                customer=cust["id"],
                invoice=None,
                amount=amount,
                currency="usd",
                description="Pending usage charge",
                net_amount=amount,
                parent=None,
                metadata={},
                test_clock=None,
                period={"start": t, "end": t},
            ),
        )
        b.relate("invoiceitems", pending["id"], "created", t)  # list order; Stripe has `date`
    return b.rows.get("invoices", [])
