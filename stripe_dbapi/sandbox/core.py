"""Hand-written generators for Stripe's central objects, so the data tells a story.

Customers buy products at prices (this module: customers, products, prices, plans,
coupons, promotion codes); they hold subscriptions billed through invoices whose lines add
up (`billing.py`); they pay through payment intents and charges, get refunds and disputes,
and money moves through balance transactions into payouts, with events for recent objects
(`money.py`). Every reference points at an object that exists. Rows of tables the catalog
lacks are made but not served.
"""

from __future__ import annotations

from typing import Any

from stripe_dbapi._typing import Row
from stripe_dbapi.sandbox import billing, money
from stripe_dbapi.sandbox.builder import DAY, NOW, Builder

_FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Edsger",
    "Radia",
    "Guido",
    "Anita",
    "Tim",
    "Hedy",
    "Claude",
    "Joan",
    "Niklaus",
    "Donald",
    "Sophie",
]
_LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Rossum",
    "Borg",
    "Lee",
    "Lamarr",
    "Shannon",
    "Clarke",
    "Wirth",
    "Knuth",
    "Wilson",
]
_PLANS = ("free", "basic", "pro", "enterprise")
_PLAN_WEIGHTS = (2, 5, 4, 1)
_REGIONS = ("na", "eu", "apac", "latam")
_COUNTRIES = {
    "na": ("US", "CA"),
    "eu": ("DE", "FR", "GB", "NL"),
    "apac": ("JP", "AU", "SG"),
    "latam": ("BR", "MX"),
}
_PRODUCTS = [
    "Starter",
    "Growth",
    "Scale",
    "Analytics add-on",
    "Support plan",
    "API credits",
    "Seat license",
    "Storage pack",
    "T-shirt",
    "Hoodie",
    "Sticker pack",
    "Onboarding session",
]
_AMOUNTS = (500, 900, 1500, 2000, 2900, 4900, 9900, 19900, 49900)


def build(b: Builder) -> None:
    """Generate every core table, in dependency order."""
    customers = _customers(b)
    prices = _catalog_items(b)
    _coupons(b)
    subs = billing.subscriptions(b, customers, prices)
    invoices = billing.invoices(b, customers, subs, prices)
    money.build(b, customers, invoices)


def _customers(b: Builder) -> list[Row]:
    rng = b.rng
    out = []
    for i, t in enumerate(b.times(b.count(1000, 3))):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        region = rng.choice(_REGIONS)
        country = rng.choice(_COUNTRIES[region])
        plan = rng.choices(_PLANS, weights=_PLAN_WEIGHTS)[0]
        row = b.new(
            "customers",
            "customer",
            created=t,
            name=f"{first} {last}",
            email=f"{first.lower()}.{last.lower()}{i}@example.com",
            phone=f"+1555{rng.randint(1000000, 9999999)}" if rng.random() < 0.4 else None,
            description="Sandbox customer" if rng.random() < 0.2 else None,
            metadata={"plan": plan, "region": region},
            address={
                "city": None,
                "country": country,
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            balance=rng.choice((0, 0, 0, 0, -500, 1000)),
            delinquent=rng.random() < 0.05,
            discount=None,
            invoice_prefix=b.ids.code(8),
            next_invoice_sequence=1,
            shipping=None,
        )
        out.append(b.add("customers", row))
    return out


def _catalog_items(b: Builder) -> list[Row]:
    """Products and their prices (recurring ones also as legacy plans); returns prices."""
    rng = b.rng
    prices: list[Row] = []
    n = b.count(len(_PRODUCTS) * 2, len(_PRODUCTS))
    for i, t in enumerate(b.times(n, end=NOW - 30 * DAY)):
        name = _PRODUCTS[i % len(_PRODUCTS)] + (
            "" if i < len(_PRODUCTS) else f" {i // len(_PRODUCTS) + 1}"
        )
        product = b.new(
            "products",
            "product",
            created=t,
            updated=b.after(t, 90 * DAY),
            name=name,
            description=f"{name} (sandbox)",
            active=rng.random() < 0.9,
            metadata={
                "category": "goods" if i % len(_PRODUCTS) >= 8 else "saas",
                "tier": rng.choice(_PLANS),
            },
            default_price=None,
            package_dimensions=None,
            type="service",
        )
        own = []
        for k in range(rng.randint(1, 3)):
            amount = rng.choice(_AMOUNTS)
            recurring: dict[str, Any] | None = None
            if i % len(_PRODUCTS) < 8:
                interval = ("month", "year", "month")[k % 3]
                amount = amount * 10 if interval == "year" else amount
                recurring = {
                    "interval": interval,
                    "interval_count": 1,
                    "meter": None,
                    "trial_period_days": None,
                    "usage_type": "licensed",
                }
            price = b.new(
                "prices",
                "price",
                created=b.after(t, 30 * DAY),
                product=product["id"],
                active=product["active"],
                currency="usd" if rng.random() < 0.85 else "eur",
                unit_amount=amount,
                unit_amount_decimal=str(amount),
                recurring=recurring,
                type="recurring" if recurring else "one_time",
                nickname=f"{name} {recurring['interval'] + 'ly' if recurring else 'one-time'}",
                lookup_key=f"{name.lower().replace(' ', '_')}_{k}",
                metadata={"tier": product["metadata"]["tier"]},
                transform_quantity=None,
            )
            own.append(b.add("prices", price))
            if recurring:
                plan = dict(
                    b.new("plans", "plan"),
                    id=price["id"],
                    created=price["created"],
                    product=product["id"],
                    active=price["active"],
                    amount=amount,
                    amount_decimal=str(amount),
                    currency=price["currency"],
                    interval=recurring["interval"],
                    interval_count=1,
                    nickname=price["nickname"],
                    metadata=price["metadata"],
                    transform_usage=None,
                )
                b.add("plans", plan)
        product["default_price"] = own[0]["id"]
        b.add("products", product)
        prices.extend(own)
    return prices


def _coupons(b: Builder) -> None:
    rng = b.rng
    for t in b.times(b.count(20, 3)):
        pct = rng.random() < 0.7
        percent = rng.choice((10, 15, 20, 25, 50)) if pct else None
        coupon = b.new(
            "coupons",
            "coupon",
            id=b.ids.code(8),
            created=t,
            percent_off=percent,
            amount_off=None if pct else rng.choice((500, 1000, 2500)),
            currency=None if pct else "usd",
            duration=rng.choice(("once", "repeating", "forever")),
            name=f"{percent}% off" if pct else "Fixed discount",
            times_redeemed=rng.randint(0, 40),
            redeem_by=None,
            metadata={"campaign": rng.choice(("spring", "black_friday", "partner"))},
        )
        coupon["duration_in_months"] = 3 if coupon["duration"] == "repeating" else None
        b.add("coupons", coupon)
        for _ in range(rng.randint(0, 3)):
            code = b.new(
                "promotion_codes",
                "promotion_code",
                created=b.after(t, 20 * DAY),
                code=b.ids.code(rng.randint(6, 10)),
                active=rng.random() < 0.8,
                expires_at=None,
                promotion={"coupon": coupon["id"], "type": "coupon"},
                times_redeemed=rng.randint(0, 10),
                metadata={},
            )
            if "coupon" in code:
                code["coupon"] = coupon
            b.relate("promotion_codes", code["id"], "coupon", coupon["id"])
            b.add("promotion_codes", code)
