"""Each service database holds the design document's schema, through the migrations, isolated by role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from deploy.migrate import DATABASES, MigrationError, apply_migrations, load_migrations, migration_status
from services.shared.settings import DEFAULT_DSNS
from tests.foundation.design_schema import DESIGN_SCHEMA

# Everything beyond the design document, each with the migration that adds it and why (see that file's header).
EXTRA_TABLES: dict[str, set[str]] = {
    "auth_db": {"schema_migrations", "outbox"},  # 0002: auth events go through an outbox too
    "ticket_db": {"schema_migrations", "outbox", "processed_events", "deferred_holds"},  # 0002 outbox, inbox; 0004
    "booking_db": {"schema_migrations", "processed_events"},  # 0002: consumer inbox
    "payment_db": {"schema_migrations", "processed_events"},  # 0002: consumer inbox
}
EXTRA_COLUMNS: dict[tuple[str, str], set[str]] = {
    # auth_db 0003: refresh-token rotation and family revocation
    ("auth_db", "sessions"): {"family_id", "tenant_id", "rotated_at", "replaced_by", "revoked_at", "revoked_reason"},
    ("booking_db", "bookings"): {"request_hash"},  # 0003: Stripe-style idempotency compares request bodies
    ("booking_db", "outbox"): {"seq"},  # 0004: publish order
    ("payment_db", "payments"): {"cancelled_at", "cancel_reason"},  # 0003: cancelled payments
    # 0002: relay retry bookkeeping; 0004: publish order
    ("payment_db", "outbox"): {"max_retries", "last_error", "processed_at", "seq"},
}
# auth_db and ticket_db outboxes are not in the design document at all (0002); their seq comes from a later file.
EXTRA_COLUMNS_OF_EXTRA_TABLES = {("auth_db", "outbox"): {"seq"}, ("ticket_db", "outbox"): {"seq"}}


async def _columns(conn: asyncpg.Connection) -> dict[str, dict[str, str]]:
    rows = await conn.fetch(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'"
    )
    tables: dict[str, dict[str, str]] = {}
    for row in rows:
        tables.setdefault(row["table_name"], {})[row["column_name"]] = row["data_type"]
    return tables


@pytest.mark.parametrize("database", DATABASES)
async def test_live_database_has_exactly_the_design_schema(database: str) -> None:
    conn = await asyncpg.connect(DEFAULT_DSNS[database])
    try:
        live = await _columns(conn)
        indexes = {
            row["indexname"] for row in await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        }
        _, pending = await migration_status(DEFAULT_DSNS[database], database)
    finally:
        await conn.close()
    assert pending == [], f"{database} has unapplied migrations"
    design = DESIGN_SCHEMA[database]
    assert set(live) == set(design["tables"]) | EXTRA_TABLES[database]
    for table, columns in design["tables"].items():
        for column, data_type in columns.items():
            assert live[table].get(column) == data_type, f"{database}.{table}.{column}"
        extra = set(live[table]) - set(columns)
        assert extra <= EXTRA_COLUMNS.get((database, table), set()), f"undocumented columns {database}.{table}: {extra}"
    assert set(design["indexes"]) <= indexes, f"missing indexes: {set(design['indexes']) - indexes}"
    for (db, table), columns in EXTRA_COLUMNS_OF_EXTRA_TABLES.items():
        if db == database:
            assert columns <= set(live[table])


async def test_seat_zone_constraints_refuse_impossible_inventory(
    fresh_database: Callable[[str], Awaitable[str]],
) -> None:
    conn = await asyncpg.connect(await fresh_database("ticket_db"))
    try:
        event_id = await conn.fetchval(
            "INSERT INTO events (tenant_id, organizer_id, name, slug)"
            " VALUES (gen_random_uuid(), gen_random_uuid(), 'E', 'e') RETURNING id"
        )
        show_id = await conn.fetchval(
            "INSERT INTO shows (event_id, show_date, start_time) VALUES ($1, '2030-01-01', '20:00+07') RETURNING id",
            event_id,
        )
        insert = (
            "INSERT INTO seat_zones (show_id, name, price, total_seats, available_seats, reserved_seats, sold_seats)"
            " VALUES ($1, 'A', 10, $2, $3, $4, $5)"
        )
        await conn.execute(insert, show_id, 10, 5, 3, 2)
        for total, available, reserved, sold in [(10, 11, 0, 0), (10, 0, 6, 5), (10, -1, 0, 0), (10, 0, -1, 0)]:
            with pytest.raises(asyncpg.CheckViolationError):
                await conn.execute(insert, show_id, total, available, reserved, sold)
    finally:
        await conn.close()


@pytest.mark.parametrize("database", DATABASES)
async def test_a_service_role_reaches_only_its_own_database(database: str) -> None:
    for other in DATABASES:
        if other == database:
            continue
        base, _, _ = DEFAULT_DSNS[database].rpartition("/")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(f"{base}/{other}")
    conn = await asyncpg.connect(DEFAULT_DSNS[database])
    await conn.close()


async def test_migrations_are_recorded_and_rerunning_is_a_no_op(
    fresh_database: Callable[[str], Awaitable[str]],
) -> None:
    for database in DATABASES:
        dsn = await fresh_database(database)
        assert await apply_migrations(dsn, database, log=False) == []
        applied, pending = await migration_status(dsn, database)
        assert applied == [m.version for m in load_migrations(database)]
        assert pending == []


async def test_a_migration_edited_after_it_was_applied_is_refused(
    fresh_database: Callable[[str], Awaitable[str]],
) -> None:
    dsn = await fresh_database("payment_db")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1")
    finally:
        await conn.close()
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await apply_migrations(dsn, "payment_db", log=False)
