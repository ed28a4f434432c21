"""Superset's own paths over `stripe://`, run inside a Superset virtualenv by .ci/superset.

Not a pytest module (the main suite has no Superset): a script that drives the Superset
app in-process through its REST API with Flask's test client, as the web UI does — log
in, *Test Connection*, add the database, list what SQL Lab's left panel lists, and run a
query through SQL Lab's execute endpoint (ExecuteSqlCommand, the synchronous path). It
exits non-zero, saying what failed, when any step does not answer as docs/superset.md
says.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

URI = "stripe:///?Sandbox=true"
NAME = f"Stripe sandbox {os.getpid()}"  # unique, should the metadata database be reused
ADMIN = {"username": "ci-admin", "password": "ci-only-password-1"}
# The README's first query (net revenue per currency), as SQL Lab would run it.
QUERY = (
    "SELECT currency, count(*) AS charges, "
    "sum(amount_captured - amount_refunded) / CASE "
    "WHEN currency IN ('bif','clp','djf','gnf','jpy','kmf','krw','mga','pyg','rwf','ugx',"
    "'vnd','vuv','xaf','xof','xpf') THEN 1 "
    "WHEN currency IN ('bhd','jod','kwd','omr','tnd') THEN 1000 ELSE 100 END AS net_revenue "
    "FROM charges WHERE status = 'succeeded' AND created >= '2026-06-01' "
    "GROUP BY currency ORDER BY charges DESC"
)


def check(condition: bool, what: str, answer: Any) -> None:
    if not condition:
        sys.exit(f"superset check failed: {what}: {json.dumps(answer, default=str)[:2000]}")
    print(f"ok: {what}")


def main() -> None:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager

        if security_manager.find_user(username=ADMIN["username"]) is None:
            security_manager.add_user(
                ADMIN["username"],
                "CI",
                "Admin",
                "ci-admin@example.com",
                security_manager.find_role("Admin"),
                password=ADMIN["password"],
            )
    # Outside the set-up's app context: each request gets its own, as in a server (a
    # shared one would carry one request's user into the next).
    client = app.test_client()
    run_checks(client)


def run_checks(client: Any) -> None:
    """Every step, as the web UI takes it, each answer checked."""
    login = client.post("/api/v1/security/login", json={**ADMIN, "provider": "db"})
    check(login.status_code == 200, "log in through the API", login.get_json())
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    # Superset checks a CSRF token on every POST, as its web UI sends it.
    csrf = client.get("/api/v1/security/csrf_token/", headers=headers)
    check(csrf.status_code == 200, "a CSRF token", csrf.get_json())
    headers["X-CSRFToken"] = csrf.get_json()["result"]

    tested = client.post(
        "/api/v1/database/test_connection/",
        json={"sqlalchemy_uri": URI, "database_name": NAME},
        headers=headers,
    )
    check(tested.status_code == 200, "Test Connection", tested.get_json())

    created = client.post(
        "/api/v1/database/",
        json={"database_name": NAME, "sqlalchemy_uri": URI, "expose_in_sqllab": True},
        headers=headers,
    )
    check(created.status_code == 201, "add the database", created.get_json())
    pk = created.get_json()["id"]

    schemas = client.get(f"/api/v1/database/{pk}/schemas/", headers=headers).get_json()
    check(schemas.get("result") == ["stripe"], "schemas: stripe only", schemas)
    tables = client.get(
        f"/api/v1/database/{pk}/tables/?q=(schema_name:stripe)", headers=headers
    ).get_json()
    names = {t["value"] for t in tables.get("result", [])}
    check({"charges", "customers", "invoices_lines"} <= names, "tables listed", tables)
    print(f"   {len(names)} tables")
    meta = client.get(
        f"/api/v1/database/{pk}/table_metadata/?name=charges&schema=stripe", headers=headers
    ).get_json()
    columns = {c["name"]: c["type"] for c in meta.get("columns", [])}
    check(columns.get("amount") == "BIGINT", "charges' columns and types", meta)

    ran = client.post(
        "/api/v1/sqllab/execute/",
        json={"database_id": pk, "sql": QUERY, "schema": "stripe", "runAsync": False},
        headers=headers,
    )
    body = ran.get_json()
    check(ran.status_code == 200 and body.get("status") == "success", "SQL Lab ran it", body)
    rows = body.get("data", [])
    check(
        len(rows) >= 1 and {"currency", "charges", "net_revenue"} <= set(rows[0]),
        "SQL Lab returned rows",
        body,
    )
    for row in rows:
        print(f"   {row}")


if __name__ == "__main__":
    main()
