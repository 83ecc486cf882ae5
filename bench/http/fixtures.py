"""Throw-away data for one run: databases created by the admin role (dropped afterwards), the catalog rows
ticket-service serves, the engine sale, and the naive peer's shared schema. Nothing here touches real data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, time
from decimal import Decimal

import asyncpg

from bench.http.naive import SCHEMA
from deploy.migrate import apply_migrations
from engine import EventSpec, InventoryEngine, ShowSpec, ZoneSpec
from services.shared.settings import DEFAULT_DSNS

__all__ = ["HUGE", "Databases", "Sale", "delete_prefix", "open_engine_sale", "seed_naive", "seed_ticket"]

HUGE = 2_000_000_000  # seats: the reserve zone never sells out during a run (INT column max is ~2.1e9)
PRICE = Decimal("1500.00")


def _with_database(dsn: str, name: str) -> str:
    return f"{dsn.rpartition('/')[0]}/{name}"


@dataclass
class Databases:
    """Creates databases as admin and drops every one of them in ``drop_all`` (WITH FORCE: a crashed server
    process must not keep one alive)."""

    admin_dsn: str
    created: list[str] = field(default_factory=list)

    async def _admin(self, *sql: str) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            for statement in sql:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def service_db(self, kind: str) -> str:
        """A fresh ``kind`` (booking_db, ticket_db) owned by the service role and migrated; its service DSN."""
        role, name = kind.removesuffix("_db") + "_svc", f"bench_{kind}_{uuid.uuid4().hex[:10]}"
        await self._admin(f'CREATE DATABASE "{name}" OWNER "{role}"')
        self.created.append(name)
        await self._admin(f'REVOKE CONNECT, TEMPORARY ON DATABASE "{name}" FROM PUBLIC',
                          f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO "{role}"')  # fmt: skip
        dsn = _with_database(DEFAULT_DSNS[kind], name)
        await apply_migrations(dsn, kind, log=False)
        return dsn

    async def naive_db(self) -> str:
        """The "current state" shared database: created and used by the admin role (no per-service roles then)."""
        name = f"bench_naive_{uuid.uuid4().hex[:10]}"
        await self._admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return _with_database(self.admin_dsn, name)

    async def drop_all(self) -> None:
        await self._admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in reversed(self.created)))
        self.created.clear()


@dataclass(frozen=True)
class Sale:
    tenant_id: str
    event_id: str
    show_id: str
    zone_id: str  # HUGE seats
    empty_zone_id: str  # 0 seats: every request is a sold-out refusal

    @classmethod
    def new(cls) -> Sale:
        return cls(*(str(uuid.uuid4()) for _ in range(5)))


async def seed_ticket(dsn: str, sale: Sale) -> None:
    """The published event ticket-service serves to booking's catalog on its first miss."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                """INSERT INTO events (id, tenant_id, organizer_id, name, slug, venue_name, max_tickets_per_user,
                                       status, published_at)
                   VALUES ($1, $2, $3, 'Bench Rush', $4, 'Bench Hall', 10, 'published', NOW())""",
                sale.event_id, sale.tenant_id, str(uuid.uuid4()), f"bench-{sale.event_id[:8]}",
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO shows (id, event_id, show_date, start_time, total_capacity) VALUES ($1, $2, $3, $4, $5)",
                sale.show_id, sale.event_id, date(2030, 1, 1), time(20, 0, tzinfo=UTC), HUGE,
            )  # fmt: skip
            for zone_id, name, seats in ((sale.zone_id, "Huge", HUGE), (sale.empty_zone_id, "Gone", 0)):
                await conn.execute(
                    """INSERT INTO seat_zones (id, show_id, name, price, total_seats, available_seats)
                       VALUES ($1, $2, $3, $4, $5, $5)""",
                    zone_id, sale.show_id, name, PRICE, seats,
                )  # fmt: skip
    finally:
        await conn.close()


async def open_engine_sale(engine: InventoryEngine, sale: Sale) -> None:
    event = EventSpec(sale.event_id, sale.tenant_id, max_tickets_per_user=10)
    show = ShowSpec(sale.show_id, sale.event_id)
    await engine.open_sale(event, show, [ZoneSpec(sale.zone_id, sale.show_id, HUGE, PRICE),
                                         ZoneSpec(sale.empty_zone_id, sale.show_id, 0, PRICE)])  # fmt: skip


async def seed_naive(dsn: str, zone_id: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(SCHEMA)
        await conn.execute(
            "INSERT INTO seat_zones (id, name, price, total_seats, available_seats) VALUES ($1, 'Huge', $2, $3, $3)",
            zone_id, PRICE, HUGE,
        )  # fmt: skip
    finally:
        await conn.close()


async def delete_prefix(engine: InventoryEngine, prefix: str) -> int:
    """Remove every key of this run's random engine prefix (never a FLUSH: Redis is shared)."""
    deleted = 0
    async for key in engine.redis.scan_iter(match=f"{prefix}:*", count=5000):
        deleted += await engine.redis.unlink(key)
    return deleted
