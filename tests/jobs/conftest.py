"""A live sale in Redis plus a fresh booking_db whose rows mirror the engine's holds."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import pytest

from engine import EventSpec, Hold, InventoryEngine, ReserveRequest, ShowSpec, ZoneSpec, connect
from services.shared.db import create_pool


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class LiveSale:
    engine: InventoryEngine
    pool: asyncpg.Pool
    tenant_id: str
    event_id: str
    show_id: str
    zone_id: str
    total: int

    async def hold(self, *, quantity: int = 1, ttl_ms: int = 60_000, at_ms: int | None = None) -> Hold:
        """A hold in Redis and its 'reserved' booking row, as booking-service writes them."""
        booking_id = str(uuid.uuid4())
        user_id = str(uuid.uuid4())
        at = now_ms() if at_ms is None else at_ms
        hold = await self.engine.reserve(
            ReserveRequest(
                self.tenant_id,
                user_id,
                self.event_id,
                self.show_id,
                self.zone_id,
                quantity,
                booking_id,
                f"{user_id}:k",
                at,
                ttl_ms,
            )
        )
        async with self.pool.acquire() as conn:
            await conn.execute(
                """
                INSERT INTO bookings (id, tenant_id, user_id, event_id, show_id, zone_id, event_name, show_date,
                    show_time, zone_name, quantity, unit_price, total_amount, status, idempotency_key, reserved_at,
                    reservation_expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, 'Demo', '2030-01-01', '20:00+07', 'A', $7, 100, $8, 'reserved',
                    $9, $10, $11)
                """,
                booking_id,
                self.tenant_id,
                user_id,
                self.event_id,
                self.show_id,
                self.zone_id,
                quantity,
                Decimal(100 * quantity),
                f"{user_id}:k",
                datetime.fromtimestamp(at / 1000, UTC),
                datetime.fromtimestamp(hold.deadline_ms / 1000, UTC),
            )
        return hold

    async def statuses(self) -> dict[str, str]:
        rows = await self.pool.fetch("SELECT id::text, status FROM bookings")
        return {row["id"]: row["status"] for row in rows}

    async def expired_events(self) -> list[str]:
        rows = await self.pool.fetch("SELECT aggregate_id::text FROM outbox WHERE event_type = 'booking.expired'")
        return [row["aggregate_id"] for row in rows]


@pytest.fixture
async def live_sale(
    fresh_database: Callable[[str], Awaitable[str]], redis_url: str, key_prefix: str
) -> AsyncIterator[LiveSale]:
    redis = connect(redis_url, max_connections=32)
    engine = InventoryEngine(redis, key_prefix=key_prefix)
    pool = await create_pool(await fresh_database("booking_db"), max_size=8)
    tenant_id, event_id, show_id, zone_id = (str(uuid.uuid4()) for _ in range(4))
    await engine.open_sale(
        EventSpec(event_id, tenant_id, max_tickets_per_user=None),
        ShowSpec(show_id, event_id),
        [ZoneSpec(zone_id, show_id, total_seats=500, price=Decimal(100), max_per_order=10)],
    )
    try:
        yield LiveSale(engine, pool, tenant_id, event_id, show_id, zone_id, 500)
    finally:
        await pool.close()
        keys = [key async for key in redis.scan_iter(match=f"{key_prefix}*", count=1000)]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
