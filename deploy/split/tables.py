"""What the split copies: each shared-database table, its target database, and how its target row is derived.

Columns are not listed by hand: every source column that also exists in the target is copied as is (introspected
at run time, see ``plan.py``), so the lists cannot drift from deploy/migrations. Only what differs is written here:
columns the target has and the source has not (``derived``: SQL over the source row ``s`` and its ``joins``), and
the extra checks verification runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DATABASE_ORDER", "TABLES", "Metric", "TableSpec"]

DATABASE_ORDER = ("auth_db", "ticket_db", "booking_db", "payment_db")


@dataclass(frozen=True, slots=True)
class Metric:
    """One verification figure: ``source_sql`` over ``FROM <table> s <joins>``, ``target_sql`` over the target."""

    label: str
    source_sql: str
    target_sql: str


def _sum(column: str) -> Metric:
    return Metric(f"sum({column})", f"coalesce(sum(s.{column}), 0)", f"coalesce(sum({column}), 0)")


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    database: str
    joins: str = ""
    # target column -> SQL expression over the source row (overrides a same-named source column).
    derived: dict[str, str] = field(default_factory=dict)
    # Written on first copy only: a later sync never rewrites them (the design's snapshot is "immutable").
    insert_only: frozenset[str] = frozenset()
    metrics: tuple[Metric, ...] = ()


_BOOKING_SNAPSHOT = {
    "event_name": "e.name",
    "show_date": "sh.show_date",
    "show_time": "sh.start_time",
    "zone_name": "z.name",
    "venue_name": "e.venue_name",
}

# Order inside one database matters: ticket_db keeps its local FKs (events -> categories, shows -> events,
# seat_zones -> shows), so parents are copied first. Databases are independent and are copied concurrently.
TABLES: tuple[TableSpec, ...] = (
    TableSpec("tenants", "auth_db"),
    TableSpec("users", "auth_db"),
    TableSpec(
        "sessions",
        "auth_db",
        # auth_db 0003 added family_id/tenant_id NOT NULL; backfilled exactly as that migration does for old rows.
        joins="JOIN users u ON u.id = s.user_id",
        derived={"family_id": "s.id", "tenant_id": "u.tenant_id"},
        insert_only=frozenset({"family_id"}),
    ),
    TableSpec("categories", "ticket_db"),
    TableSpec("events", "ticket_db"),
    TableSpec(
        "shows",
        "ticket_db",
        metrics=(_sum("total_capacity"), _sum("reserved_count"), _sum("sold_count")),
    ),
    TableSpec(
        "seat_zones",
        "ticket_db",
        metrics=(_sum("total_seats"), _sum("available_seats"), _sum("sold_seats"), _sum("reserved_seats")),
    ),
    TableSpec(
        "bookings",
        "booking_db",
        joins=(
            "JOIN events e ON e.id = s.event_id JOIN shows sh ON sh.id = s.show_id"
            " JOIN seat_zones z ON z.id = s.zone_id"
        ),
        derived=_BOOKING_SNAPSHOT,
        insert_only=frozenset(_BOOKING_SNAPSHOT),
        metrics=(
            _sum("quantity"),
            _sum("total_amount"),
            Metric(
                "snapshot nulls",
                "0",
                "count(*) FILTER (WHERE event_name IS NULL OR show_date IS NULL OR show_time IS NULL"
                " OR zone_name IS NULL)",
            ),
            Metric(
                "venue_name nulls",
                "count(*) FILTER (WHERE e.venue_name IS NULL)",
                "count(*) FILTER (WHERE venue_name IS NULL)",
            ),
        ),
    ),
    TableSpec(
        "payments",
        "payment_db",
        # payment_db 0003 made status NOT NULL; same backfill as that migration.
        derived={"status": "coalesce(s.status, 'pending')"},
        metrics=(_sum("amount"), _sum("refund_amount")),
    ),
)
