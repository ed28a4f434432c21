"""The generated catalog: it loads, covers stripe-python's list endpoints, and gets the
pitfalls right (types the SDK hides, filter-only columns, parents, scan defaults)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import stripe

from stripe_dbapi.catalog import (
    CATALOG_PATH,
    DECIMAL,
    SQL_TYPES,
    TIMESTAMP,
    Catalog,
    Column,
    Filter,
    Parent,
    Single,
    Table,
    load_catalog,
)

OVERRIDES_PATH = CATALOG_PATH.with_name("overrides.json")
SPEC_PATH = Path(
    os.environ.get(
        "STRIPE_OPENAPI_SPEC",
        Path(__file__).resolve().parents[3] / "shared" / "stripe-openapi" / "spec3-2023-09-12.json",
    )
)

# A list method's path string, found by plain text search (independently of the generator,
# which walks the AST): `def list(` up to the next `def `, then the first "/v1/..." literal.
_LIST_METHOD = re.compile(r"    def list\((.*?)(?=\n    (?:async )?def |\Z)", re.S)
_V1_PATH = re.compile(r'"(/v1/[^"]+)"')


def _sdk_list_paths() -> set[str]:
    paths = set()
    for file in Path(stripe.__file__).parent.rglob("*_service.py"):
        for body in _LIST_METHOD.findall(file.read_text(encoding="utf-8")):
            match = _V1_PATH.search(body)
            if match:
                paths.add(match.group(1))
    return paths


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_catalog_pins_the_sdk_api_version(catalog: Catalog) -> None:
    assert catalog.api_version == stripe.api_version == "2026-10-28.endive"


def test_every_sdk_list_endpoint_is_a_table_unless_overrides_explain_why(catalog: Catalog) -> None:
    overrides = json.loads(OVERRIDES_PATH.read_text(encoding="utf-8"))
    skipped = {s["path"] for s in overrides["skip"]}
    assert all(s["why"] for s in overrides["skip"])
    sdk = _sdk_list_paths()
    assert len(sdk) == 120
    assert skipped <= sdk
    singles = {t.list_path for t in catalog if t.single is not None}
    assert singles == {o["path"] for o in overrides["single_objects"].values()}
    assert all(o["why"] for o in overrides["single_objects"].values())
    assert {t.list_path for t in catalog} - singles == sdk - skipped
    assert len(catalog) == len(sdk) - len(skipped) + len(singles)


def test_single_object_endpoints(catalog: Catalog) -> None:
    """`balance` unnests every list of the Balance object into rows; `account` is the
    authenticated account with the columns of `accounts`; neither takes list params."""
    balance, account = catalog.tables["balance"], catalog.tables["account"]
    for table in (balance, account):
        assert table.single is not None and not table.paginated
        assert not table.filters and table.retrieve_path is None and table.parent is None
    assert balance.single == Single(
        unnest=(
            "available",
            "connect_reserved",
            "instant_available",
            "issuing.available",
            "pending",
            "refund_and_dispute_prefunding.available",
            "refund_and_dispute_prefunding.pending",
        ),
        kind_column="kind",
        carry=("livemode",),
    )
    types = {c.name: c.type for c in balance.columns}
    assert types == {
        "kind": "VARCHAR",
        "amount": "BIGINT",
        "currency": "VARCHAR",
        "livemode": "BOOLEAN",
        "net_available": "JSON",
        "source_types": "JSON",
    }
    assert balance.column("kind").enum == balance.single.unnest  # type: ignore[union-attr]
    assert account.single == Single() and account.object == "account"
    assert account.columns == catalog.tables["accounts"].columns


def test_single_rows_unnest_dotted_lists_and_carry_fields() -> None:
    single = Single(
        unnest=("available", "issuing.available", "pending"),
        kind_column="kind",
        carry=("livemode",),
    )
    obj = {
        "object": "balance",
        "livemode": True,
        "available": [{"amount": 1, "currency": "usd"}, {"amount": 2, "currency": "eur"}],
        "issuing": {"available": [{"amount": 3, "currency": "usd"}]},
    }
    assert single.rows(obj) == [
        {"livemode": True, "amount": 1, "currency": "usd", "kind": "available"},
        {"livemode": True, "amount": 2, "currency": "eur", "kind": "available"},
        {"livemode": True, "amount": 3, "currency": "usd", "kind": "issuing.available"},
    ]
    assert single.rows({"issuing": None, "pending": None}) == []
    assert Single().rows({"id": "acct_1"}) == [{"id": "acct_1"}]


def test_table_names_follow_the_list_path(catalog: Catalog) -> None:
    for table in catalog:
        parts = table.list_path.removeprefix("/v1/").split("/")
        assert table.name == "_".join(p for p in parts if not p.startswith("{"))
    assert catalog.tables["checkout_sessions"].list_path == "/v1/checkout/sessions"
    assert catalog.tables["test_helpers_test_clocks"].list_path == "/v1/test_helpers/test_clocks"


def test_catalog_is_internally_consistent(catalog: Catalog) -> None:
    for table in catalog:
        if table.single is None or not table.single.unnest:  # balance rows are entries
            assert table.column_names[:2] == ("id", "object"), table.name
        assert len(set(table.column_names)) == len(table.columns), table.name
        for column in table.columns:
            assert column.type in SQL_TYPES, (table.name, column.name)
            for target in (column.references, column.embedded_list):
                assert target is None or catalog.get(target) is not None
        for f in table.filters:
            narrowed = _column(catalog, table.name, f.column)
            if f.kind == "range":
                assert narrowed.type in ("BIGINT", TIMESTAMP), (table.name, f.param)
        if table.parent is not None:
            assert table.column(table.parent.column) is not None
            if table.parent.table is not None:
                assert table.name in catalog.tables[table.parent.table].children
        for child in table.children:
            assert _parent(catalog.tables[child]).table == table.name


def _column(catalog: Catalog, table: str, column: str) -> Column:
    found = catalog.tables[table].column(column)
    assert found is not None, f"{table}.{column}"
    return found


def _parent(table: Table) -> Parent:
    assert table.parent is not None, table.name
    return table.parent


def _filter(table: Table, column: str) -> Filter:
    found = table.filter_for(column)
    assert found is not None, f"{table.name}.{column}"
    return found


def test_unix_times_are_timestamps_though_the_sdk_says_int(catalog: Catalog) -> None:
    assert _column(catalog, "customers", "created").type == TIMESTAMP
    assert _column(catalog, "subscription_items", "current_period_end").type == TIMESTAMP
    # The 2023 spec omits the format here; its description says "since the Unix epoch".
    assert _column(catalog, "subscription_items", "created").type == TIMESTAMP


@pytest.mark.skipif(not SPEC_PATH.exists(), reason="the shared OpenAPI spec is not here")
def test_fields_newer_than_the_spec_get_the_name_rule(catalog: Catalog) -> None:
    schemas = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["components"]["schemas"]
    assert "automatically_finalizes_at" not in schemas["invoice"]["properties"]
    assert _column(catalog, "invoices", "automatically_finalizes_at").type == TIMESTAMP
    assert "billing.meter_event_summary" not in schemas
    assert _column(catalog, "billing_meters_event_summaries", "start_time").type == TIMESTAMP


def test_amounts_decimals_and_maps(catalog: Catalog) -> None:
    assert _column(catalog, "charges", "amount").type == "BIGINT"
    assert _column(catalog, "customers", "metadata").type == "JSON"
    assert _column(catalog, "prices", "unit_amount_decimal").type == DECIMAL
    assert _column(catalog, "customers", "address").type == "JSON"
    assert _column(catalog, "charges", "paid").type == "BOOLEAN"


def test_expandable_references_are_varchar_ids(catalog: Catalog) -> None:
    customer = _column(catalog, "charges", "customer")
    assert (customer.type, customer.references, customer.expand) == (
        "VARCHAR",
        "customers",
        ("customer",),
    )


def test_enums_keep_their_values(catalog: Catalog) -> None:
    status = _column(catalog, "invoices", "status")
    assert status.type == "VARCHAR"
    assert {"draft", "open", "paid", "uncollectible", "void"} <= set(status.enum or ())


def test_list_params_that_are_not_fields_are_filter_only_columns(catalog: Catalog) -> None:
    invoices = catalog.tables["invoices"]
    subscription = _column(catalog, "invoices", "subscription")
    assert subscription.filter_only and subscription.nullable
    assert subscription.references == "subscriptions"
    assert _filter(invoices, "subscription").kind == "eq"
    assert not _column(catalog, "invoices", "customer").filter_only


def test_created_filters_are_ranges(catalog: Catalog) -> None:
    assert _filter(catalog.tables["customers"], "created").kind == "range"
    assert _filter(catalog.tables["customers"], "email").kind == "eq"


def test_required_query_param_makes_a_query_parent(catalog: Catalog) -> None:
    items = catalog.tables["subscription_items"]
    assert items.required == ("subscription",)
    parent = _parent(items)
    assert (parent.table, parent.column, parent.param, parent.in_) == (
        "subscriptions",
        "subscription",
        "subscription",
        "query",
    )
    assert "subscription_items" in catalog.tables["subscriptions"].children


def test_path_parents(catalog: Catalog) -> None:
    lines = _parent(catalog.tables["invoices_lines"])
    assert (lines.table, lines.column, lines.in_) == (
        "invoices",
        "invoice",
        "path",
    )
    balance = catalog.tables["customers_balance_transactions"]
    assert balance.retrieve_path == "/v1/customers/{customer}/balance_transactions/{id}"
    # `{id}` placeholders take the name the retrieve path (or the parent object) gives them.
    assert _parent(catalog.tables["application_fees_refunds"]).column == "fee"
    assert _parent(catalog.tables["transfers_reversals"]).column == "transfer"
    summaries = catalog.tables["billing_meters_event_summaries"]
    assert _parent(summaries).column == "meter"
    assert set(summaries.required) == {"customer", "start_time", "end_time"}


def test_parent_key_that_is_not_a_field_is_filter_only(catalog: Catalog) -> None:
    session = _column(catalog, "checkout_sessions_line_items", "session")
    assert session.filter_only
    assert session.references == "checkout_sessions"


def test_polymorphic_lists(catalog: Catalog) -> None:
    sources = catalog.tables["customers_sources"]
    assert sources.polymorphic
    assert set(_column(catalog, "customers_sources", "object").enum or ()) == {
        "account",
        "bank_account",
        "card",
        "source",
    }
    assert sources.column("brand") is not None  # a card field
    assert sources.column("routing_number") is not None  # a bank account field
    assert catalog.tables["accounts_external_accounts"].polymorphic
    assert not catalog.tables["customers"].polymorphic


def test_scan_defaults(catalog: Catalog) -> None:
    assert dict(catalog.tables["subscriptions"].defaults) == {"status": "all"}
    assert any("test clock" in note for note in catalog.tables["customers"].notes)


def test_embedded_lists_name_their_full_table(catalog: Catalog) -> None:
    assert _column(catalog, "invoices", "lines").embedded_list == "invoices_lines"
    assert _column(catalog, "invoices", "lines").type == "JSON"
    assert _column(catalog, "subscriptions", "items").embedded_list == "subscription_items"
    assert _column(catalog, "quotes", "line_items").embedded_list == "quotes_line_items"
    assert _column(catalog, "charges", "refunds").embedded_list == "refunds"


def test_search_paths(catalog: Catalog) -> None:
    searchable = {t.name for t in catalog if t.search_path}
    assert searchable == {
        "charges",
        "customers",
        "invoices",
        "payment_intents",
        "prices",
        "products",
        "subscriptions",
    }
    assert catalog.tables["customers"].search_path == "/v1/customers/search"


def test_lists_that_take_no_limit_are_unpaginated(catalog: Catalog) -> None:
    unpaginated = {t.name for t in catalog if not t.paginated and t.single is None}
    assert unpaginated == {"accounts_capabilities", "reporting_report_types"}


def test_filter_values_are_what_the_list_accepts_not_the_object_enum(catalog: Catalog) -> None:
    def values(table: str, param: str) -> set[str]:
        f = catalog.tables[table].filter_by_param(param)
        assert f is not None and f.values is not None, (table, param)
        return set(f.values)

    assert "reversed" not in values("topups", "status")
    assert "reversed" in set(_column(catalog, "topups", "status").enum or ())
    assert "card_present" not in values("payment_methods", "type")
    assert "verification_flow" not in values("identity_verification_reports", "type")
    assert "succeeded" not in values("treasury_debit_reversals", "status")
    assert {"all", "ended"} <= values("subscriptions", "status")
    customers = catalog.tables["customers"].filter_by_param("email")
    assert customers is not None and customers.values is None and customers.accepts("x")


def test_required_params_count_nested_scan_defaults(catalog: Catalog) -> None:
    secrets = catalog.tables["apps_secrets"]
    assert secrets.required == ("scope",) and secrets.missing_required(()) == ()
    assert catalog.tables["tax_locations"].missing_required(()) == ()
    # A query parent's key is sent per call (given, or fanned out over the parent).
    assert catalog.tables["treasury_debit_reversals"].missing_required(()) == ()
    summaries = catalog.tables["billing_meters_event_summaries"]
    assert set(summaries.missing_required(("customer",))) == {"start_time", "end_time"}
    assert catalog.tables["subscription_items"].missing_required(()) == ()  # the parent key


def test_range_filters_are_on_fields_the_rows_carry(catalog: Catalog) -> None:
    for table in catalog:
        for f in table.filters:
            if f.kind == "range":
                column = table.column(f.column)
                assert column is not None and not column.filter_only, (table.name, f.param)
    created = catalog.tables["invoiceitems"].filter_by_param("created")
    assert created is not None and (created.column, created.kind) == ("date", "range")
    assert catalog.tables["subscriptions"].filter_by_param("current_period_end") is None
    assert catalog.tables["product_catalog_trial_offers"].filter_by_param("created") is None


def test_default_exclusions_say_how_to_read_the_whole_table(catalog: Catalog) -> None:
    prices = catalog.tables["prices"]
    assert prices.hidden_by_default == {"active": ("false",)}
    assert prices.scan_union is not None
    assert (prices.scan_union.param, prices.scan_union.values) == ("active", ("true", "false"))
    assert "active prices" in prices.scan_union.why
    subs = catalog.tables["subscriptions"]
    assert subs.hidden_by_default == {"status": ("canceled",)} and subs.defaults == {
        "status": "all"
    }
    for table in catalog:
        for param in table.hidden_by_default:
            assert param in table.defaults or (table.scan_union and table.scan_union.param == param)


def test_includable_fields_and_match_modes(catalog: Catalog) -> None:
    assert {"subscriptions", "sources", "tax_ids"} <= set(catalog.tables["customers"].includable)
    assert catalog.tables["checkout_sessions"].includable == ("line_items",)
    code = catalog.tables["promotion_codes"].filter_by_param("code")
    assert code is not None and code.match == "case_insensitive"
    event_type = catalog.tables["events"].filter_by_param("type")
    assert event_type is not None and event_type.match == "wildcard"
    pending = catalog.tables["invoiceitems"].filter_by_param("pending")
    assert pending is not None and pending.null_column == "invoice"
    assert catalog.tables["accounts_capabilities"].shared_ids[:2] == ("card_payments", "transfers")
    assert catalog.tables["customers"].deletable and not catalog.tables["charges"].deletable
