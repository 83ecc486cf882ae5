"""The shared fixtures give each test its own migrated database, reachable only by the owning role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg


async def test_fresh_database_is_migrated_and_owned_by_service_role(
    fresh_database: Callable[[str], Awaitable[str]],
) -> None:
    dsn = await fresh_database("booking_db")
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT current_user") == "booking_svc"
        assert await conn.fetchval("SELECT count(*) FROM bookings") == 0
        versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")]
        assert versions[:2] == [1, 2]
    finally:
        await conn.close()
