"""The SQLAlchemy 2.x dialect `stripe://`: engines, Core queries and reflection over Stripe.

    from sqlalchemy import create_engine
    engine = create_engine("stripe:///?Sandbox=true")          # the built-in sandbox
    engine = create_engine("stripe:///?LiveAPIKey=rk_live_…")  # any connection property
    engine = create_engine("stripe://billing")                  # a saved connection

SQL goes to the driver, which runs DuckDB SQL; DuckDB accepts PostgreSQL syntax, so the
statement compiler is PostgreSQL's with the few constructs DuckDB spells differently
replaced. The driver is read-only: no sequences, RETURNING or multi-row INSERT, and
commit/rollback do nothing.

Reflection answers from the packaged catalog (docs/architecture.md, principle 2: the catalog is data) and never
uses the connection SQLAlchemy hands it, so listing tables and columns sends no request to
Stripe. Registered through the `sqlalchemy.dialects` entry point as `stripe`.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqlalchemy import exc, types
from sqlalchemy.dialects.postgresql.base import PGCompiler, PGIdentifierPreparer, PGTypeCompiler
from sqlalchemy.engine import URL, default

from stripe_dbapi._compat import double_type
from stripe_dbapi.catalog import DECIMAL, SCHEMA, TIMESTAMP, Catalog, Table, load_catalog
from stripe_dbapi.catalog.model import BIGINT, BOOLEAN, DOUBLE, JSON, VARCHAR

if TYPE_CHECKING:
    # SQLAlchemy 2's names for what reflection returns; 1.4 has none of them, so they
    # are for the type checker only (annotations are not evaluated at run time).
    from sqlalchemy.engine.interfaces import (
        IsolationLevel,
        ReflectedCheckConstraint,
        ReflectedColumn,
        ReflectedForeignKeyConstraint,
        ReflectedIndex,
        ReflectedPrimaryKeyConstraint,
        ReflectedTableComment,
        ReflectedUniqueConstraint,
    )

_DECIMAL_RE = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$", re.IGNORECASE)


# -- SQL --------------------------------------------------------------------------------


class StripeCompiler(PGCompiler):
    """PostgreSQL's compiler with DuckDB's spelling where the two differ."""

    def limit_clause(self, select: Any, **kw: Any) -> str:
        # DuckDB takes OFFSET alone; PostgreSQL's `LIMIT ALL` is not DuckDB SQL.
        text = ""
        if select._limit_clause is not None:
            text += " \n LIMIT " + self.process(select._limit_clause, **kw)
        if select._offset_clause is not None:
            text += " \n OFFSET " + self.process(select._offset_clause, **kw)
        return text

    def _regexp_match(self, base_op: str, binary: Any, operator: Any, kw: Any) -> str:
        # DuckDB's `~` is a full match; PostgreSQL's (and SQLAlchemy's) regexp_match is
        # a search anywhere in the string, which is DuckDB's regexp_matches().
        flags = binary.modifiers["flags"]
        args = [self.process(binary.left, **kw), self.process(binary.right, **kw)]
        if flags is not None:
            args.append(self.render_literal_value(flags, types.STRINGTYPE))
        call = f"regexp_matches({', '.join(args)})"
        return call if base_op == "~" else f"NOT {call}"

    def visit_json_path_getitem_op_binary(
        self, binary: Any, operator: Any, _cast_applied: Any = False, **kw: Any
    ) -> str:
        raise exc.CompileError(
            "JSON path indexes (`#>`) are not DuckDB SQL; index one key at a time "
            "(`col['a']['b']`) or call json_extract(col, '$.a.b')."
        )


class StripeTypeCompiler(PGTypeCompiler):
    """PostgreSQL's type names, except FLOAT: DuckDB's FLOAT is 4 bytes, Python's is 8."""

    def visit_FLOAT(self, type_: Any, **kw: Any) -> str:
        return "DOUBLE"


class StripeIdentifierPreparer(PGIdentifierPreparer):
    """Double-quoted identifiers, as DuckDB and PostgreSQL write them."""


# -- the dialect --------------------------------------------------------------------------


class StripeDialect(default.DefaultDialect):
    """`stripe://` over the stripe_dbapi PEP 249 driver."""

    name = "stripe"
    driver = "stripe_dbapi"

    statement_compiler = StripeCompiler
    type_compiler_cls = StripeTypeCompiler  # SQLAlchemy 2's name
    type_compiler = StripeTypeCompiler  # 1.4's name, which 2.x still honours
    preparer = StripeIdentifierPreparer
    default_paramstyle = "qmark"

    supports_statement_cache = True
    supports_native_boolean = True
    supports_native_decimal = True
    supports_is_distinct_from = True
    supports_simple_order_by_label = True
    supports_comments = True
    inline_comments = False

    # Read-only: nothing is ever written, so nothing that writes is offered.
    supports_alter = False
    supports_sequences = False
    sequences_optional = False
    postfetch_lastrowid = False
    implicit_returning = False
    insert_returning = False
    update_returning = False
    delete_returning = False
    supports_multivalues_insert = False
    use_insertmanyvalues = False
    supports_default_values = False
    supports_empty_insert = False
    supports_sane_rowcount = False
    supports_sane_multi_rowcount = False
    supports_server_side_cursors = False

    default_schema_name = SCHEMA

    # Read by PGCompiler: DuckDB strings take no backslash escapes, and its JSON has no
    # PostgreSQL JSONB subscripts.
    _backslash_escapes = False
    _supports_jsonb_subscripting = False
    # Read by the JSON type's result processing (None: the json module); SQLAlchemy 2's
    # DefaultDialect defines them, 1.4's leaves them to each dialect.
    _json_serializer = None
    _json_deserializer = None

    @classmethod
    def import_dbapi(cls) -> ModuleType:
        import stripe_dbapi

        return stripe_dbapi

    # SQLAlchemy 1.4 asks `dbapi()`; 2.x asks `import_dbapi()` when the class defines it
    # and keeps the old name for such compatibility.
    dbapi = import_dbapi  # type: ignore[assignment]  # 2.x types it as the module it sets

    def create_connect_args(self, url: URL) -> tuple[list[Any], dict[str, Any]]:
        """`stripe://[NAME][/stripe][?Property=value&…]` → `connect(**properties)`.

        The host names a saved connection (ConnectionName); a password, when given, is the
        API key (`stripe://:sk_live_…@` — tools such as Superset mask it in their UI);
        every query parameter is a connection property, checked here so a typo fails
        before any connection is attempted.
        """
        from stripe_dbapi.connstr import raw_properties
        from stripe_dbapi.exceptions import InterfaceError

        if url.username:
            raise exc.ArgumentError(
                "A stripe:// URL takes no user name; give AccountId=acct_… as a query parameter."
            )
        if url.port is not None:
            raise exc.ArgumentError(
                "A stripe:// URL takes no port; its host is the name of a saved connection."
            )
        if url.database not in (None, "", SCHEMA):
            raise exc.ArgumentError(
                f"A stripe:// URL has one schema, `{SCHEMA}`, not `{url.database}`."
            )
        properties: dict[str, Any] = {}
        for key, value in url.query.items():
            if isinstance(value, tuple):
                raise exc.ArgumentError(f"Connection property `{key}` is given more than once.")
            properties[key] = value
        if url.host:
            properties["ConnectionName"] = url.host
        if url.password:
            properties["LiveAPIKey"] = url.password
        try:
            raw_properties(None, properties)
        except InterfaceError as error:
            raise exc.ArgumentError(str(error)) from error
        return [], properties

    # -- a read-only connection ---------------------------------------------------------

    def do_begin(self, dbapi_connection: Any) -> None:
        """Nothing to begin: queries see Stripe as it is when each page is read."""

    def do_commit(self, dbapi_connection: Any) -> None:
        """Nothing to commit: the driver never writes."""

    def do_rollback(self, dbapi_connection: Any) -> None:
        """Nothing to roll back: the driver never writes."""

    def get_isolation_level_values(self, dbapi_connection: Any) -> list[IsolationLevel]:
        # Every query is its own read, which is what AUTOCOMMIT promises; tools such as
        # jupysql ask for it.
        return ["AUTOCOMMIT"]

    def get_isolation_level(self, dbapi_connection: Any) -> IsolationLevel:
        return "AUTOCOMMIT"

    def set_isolation_level(self, dbapi_connection: Any, level: IsolationLevel) -> None:
        """Only AUTOCOMMIT exists; SQLAlchemy has checked `level` against it already."""

    def is_disconnect(self, e: Exception, connection: Any, cursor: Any) -> bool:
        import stripe_dbapi

        return isinstance(e, stripe_dbapi.InterfaceError) and "closed" in str(e)

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        import stripe_dbapi

        return tuple(int(part) for part in stripe_dbapi.__version__.split(".")[:3])

    def _get_default_schema_name(self, connection: Any) -> str:
        return SCHEMA

    # -- reflection, from the catalog -----------------------------------------------------
    # `connection` is accepted (SQLAlchemy passes one) and never used: the catalog knows.

    def get_schema_names(self, connection: Any, **kw: Any) -> list[str]:
        return [SCHEMA]

    def has_schema(self, connection: Any, schema_name: str, **kw: Any) -> bool:
        return schema_name == SCHEMA

    def get_table_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        if not _our_schema(schema):
            return []
        return sorted(_catalog().tables)

    def get_view_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        """None: every Stripe list endpoint is a table, and users cannot create views."""
        return []

    def get_materialized_view_names(
        self, connection: Any, schema: str | None = None, **kw: Any
    ) -> list[str]:
        return []

    def get_temp_table_names(
        self, connection: Any, schema: str | None = None, **kw: Any
    ) -> list[str]:
        return []

    def get_temp_view_names(
        self, connection: Any, schema: str | None = None, **kw: Any
    ) -> list[str]:
        return []

    def get_sequence_names(
        self, connection: Any, schema: str | None = None, **kw: Any
    ) -> list[str]:
        return []

    def has_sequence(
        self, connection: Any, sequence_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        return False

    def get_view_definition(
        self, connection: Any, view_name: str, schema: str | None = None, **kw: Any
    ) -> str:
        raise exc.NoSuchTableError(view_name)

    def has_table(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        return _our_schema(schema) and _catalog().get(table_name) is not None

    def get_columns(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedColumn]:
        table = _table(table_name, schema)
        return [
            {
                "name": column.name,
                "type": sql_type(column.type),
                "nullable": column.nullable,
                "default": None,
                "autoincrement": False,
                "comment": _column_comment(column.description, column.filter_only),
            }
            for column in table.columns
        ]

    def get_pk_constraint(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedPrimaryKeyConstraint:
        """`id`, Stripe's object id, on every table that has one (child tables too)."""
        table = _table(table_name, schema)
        columns = ["id"] if table.column("id") is not None else []
        return {"constrained_columns": columns, "name": None}

    def get_foreign_keys(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedForeignKeyConstraint]:
        """One key per column holding another table's id: `charges.customer` → `customers.id`."""
        table = _table(table_name, schema)
        catalog = _catalog()
        keys: list[ReflectedForeignKeyConstraint] = []
        for column in table.columns:
            # A filter-only column holds a value only when a query gives it literally, so a
            # join over it would find nothing: it is not offered as a key.
            target = catalog.get(column.references) if column.references else None
            if target is None or target.column("id") is None or column.filter_only:
                continue
            keys.append(
                {
                    "name": f"fk_{table.name}_{column.name}",
                    "constrained_columns": [column.name],
                    # Same schema as asked for, so MetaData.reflect(schema=…) links up.
                    "referred_schema": schema,
                    "referred_table": target.name,
                    "referred_columns": ["id"],
                    "options": {},
                }
            )
        return keys

    def get_indexes(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedIndex]:
        """None: Stripe has no indexes; filters it can apply are pushed down (docs/sql.md)."""
        _table(table_name, schema)
        return []

    def get_unique_constraints(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedUniqueConstraint]:
        """None declared: only `id` is unique, and it is the primary key."""
        _table(table_name, schema)
        return []

    def get_check_constraints(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedCheckConstraint]:
        """None: Stripe validates its objects itself; enums are listed in column comments."""
        _table(table_name, schema)
        return []

    def get_table_comment(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedTableComment:
        table = _table(table_name, schema)
        return {"text": table.description or None}


# -- helpers ------------------------------------------------------------------------------


def sql_type(catalog_type: str) -> types.TypeEngine[Any]:
    """The SQLAlchemy type of a catalog column type (a DuckDB type name)."""
    name = catalog_type.upper()
    simple: dict[str, types.TypeEngine[Any]] = {
        VARCHAR: types.String(),
        BIGINT: types.BigInteger(),
        DOUBLE: double_type(),
        BOOLEAN: types.Boolean(),
        TIMESTAMP: types.DateTime(timezone=True),
        JSON: types.JSON(),
    }
    if name in simple:
        return simple[name]
    match = _DECIMAL_RE.match(name)
    if match or name == DECIMAL:
        precision, scale = (int(g) for g in match.groups()) if match else (38, 12)
        return types.Numeric(precision, scale)
    # The driver sends any other type as JSON text (typemap.rule), so say so here too.
    return types.JSON()


def _catalog() -> Catalog:
    return load_catalog()


def _our_schema(schema: str | None) -> bool:
    return schema is None or schema.lower() == SCHEMA


def _table(name: str, schema: str | None) -> Table:
    """The catalog table, or NoSuchTableError as SQLAlchemy's Inspector expects."""
    table = _catalog().get(name) if _our_schema(schema) else None
    if table is None:
        raise exc.NoSuchTableError(f"{schema}.{name}" if schema else name)
    return table


def _column_comment(description: str, filter_only: bool) -> str | None:
    if not filter_only:
        return description or None
    note = "Filter-only: not a field of the object; NULL unless the query sets it with `=`."
    return f"{description} {note}".strip()
