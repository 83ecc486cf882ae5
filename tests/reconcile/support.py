"""A live sale written the way the services write it: ticket_db rows (published event), the engine's holds in
Redis and booking_db rows for them. Tests then break one of the three on purpose."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from engine import EventSpec, InventoryEngine, ReserveRequest, ShowSpec, ZoneCounters, ZoneSpec
from sync.reconcile.run import RunResult, reconcile


def now_ms() -> int:
    return int(time.time() * 1000)


def _ts(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass
class Sale:
    event_id: str
    show_id: str
    zone_ids: list[str]
    total: int


@dataclass
class Rig:
    engine: InventoryEngine
    ticket_pool: asyncpg.Pool
    booking_pool: asyncpg.Pool
    environ: dict[str, str]
    tenant_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    async def sale(self, zones: int = 3, seats: int = 100, max_per_user: int | None = None) -> Sale:
        event_id, show_id = str(uuid.uuid4()), str(uuid.uuid4())
        zone_ids = [str(uuid.uuid4()) for _ in range(zones)]
        async with self.ticket_pool.acquire() as conn:
            await conn.execute(
                """INSERT INTO events (id, tenant_id, organizer_id, name, slug, status, max_tickets_per_user,
                   published_at) VALUES ($1, $2, $3, 'Show', $4, 'published', $5, NOW())""",
                event_id,
                self.tenant_id,
                str(uuid.uuid4()),
                f"s-{event_id}",
                max_per_user or 1000,
            )
            await conn.execute(
                "INSERT INTO shows (id, event_id, show_date, start_time) VALUES ($1, $2, '2030-01-01', '20:00+07')",
                show_id,
                event_id,
            )
            for n, zone_id in enumerate(zone_ids):
                await conn.execute(
                    """INSERT INTO seat_zones (id, show_id, name, price, total_seats, available_seats)
                       VALUES ($1, $2, $3, 100, $4, $4)""",
                    zone_id,
                    show_id,
                    f"Z{n}",
                    seats,
                )
        await self.engine.open_sale(
            EventSpec(event_id, self.tenant_id, max_per_user or 1000),
            ShowSpec(show_id, event_id),
            [ZoneSpec(z, show_id, seats, Decimal(100)) for z in zone_ids],
        )
        return Sale(event_id, show_id, zone_ids, seats)

    async def reserve(
        self,
        sale: Sale,
        zone_id: str,
        qty: int = 1,
        *,
        age_s: float = 0,
        ttl_ms: int = 600_000,
        user_id: str | None = None,
        write_row: bool = True,
    ) -> str:
        """engine.reserve then the booking row, exactly as booking-service (hold id = booking id, scoped key)."""
        booking_id, user = str(uuid.uuid4()), user_id or str(uuid.uuid4())
        at = now_ms() - int(age_s * 1000)
        key = f"{user}:{uuid.uuid4().hex}"
        hold = await self.engine.reserve(
            ReserveRequest(self.tenant_id, user, sale.event_id, sale.show_id, zone_id, qty, booking_id, key, at, ttl_ms)
        )
        if write_row:
            await self.insert_row(sale, zone_id, booking_id, user, qty, key, at, hold.deadline_ms)
        return booking_id

    async def insert_row(
        self,
        sale: Sale,
        zone_id: str,
        booking_id: str,
        user: str,
        qty: int,
        key: str,
        at: int,
        deadline: int,
        status: str = "reserved",
        payment_id: str | None = None,
    ) -> None:
        await self.booking_pool.execute(
            """INSERT INTO bookings (id, tenant_id, user_id, event_id, show_id, zone_id, event_name, show_date,
                   show_time, zone_name, quantity, unit_price, total_amount, status, idempotency_key, reserved_at,
                   reservation_expires_at, payment_id, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, 'Show', '2030-01-01', '20:00+07', 'Z', $7, 100, $8, $9, $10, $11, $12,
                   $13, $11, $11)""",
            booking_id,
            self.tenant_id,
            user,
            sale.event_id,
            sale.show_id,
            zone_id,
            qty,
            Decimal(100 * qty),
            status,
            key,
            _ts(at),
            _ts(deadline),
            payment_id,
        )

    async def confirm(self, sale: Sale, booking_id: str) -> str:
        payment_id = str(uuid.uuid4())
        await self.engine.confirm(sale.event_id, booking_id, payment_id, now_ms())
        await self.booking_pool.execute(
            "UPDATE bookings SET status = 'confirmed', payment_id = $2, confirmed_at = NOW() WHERE id = $1",
            booking_id,
            payment_id,
        )
        return payment_id

    async def run(self, apply: bool = False, **kwargs: Any) -> RunResult:
        return await reconcile(self.engine, self.ticket_pool, self.booking_pool, apply=apply, **kwargs)

    async def counters(self, sale: Sale) -> dict[str, ZoneCounters]:
        snap = await self.engine.snapshot_event(sale.event_id)
        return {z: ZoneCounters.of(s) for z, s in snap.items()}

    async def truth(self, sale: Sale) -> dict[str, tuple[int, int]]:
        """booking_db per zone: (seats in reserved unexpired bookings, seats in confirmed bookings)."""
        rows = await self.booking_pool.fetch(
            """SELECT zone_id::text AS z,
                 COALESCE(SUM(quantity) FILTER (WHERE status = 'reserved' AND reservation_expires_at > NOW()), 0) AS h,
                 COALESCE(SUM(quantity) FILTER (WHERE status = 'confirmed'), 0) AS s
               FROM bookings WHERE event_id = $1 GROUP BY 1""",
            sale.event_id,
        )
        out = dict.fromkeys(sale.zone_ids, (0, 0))
        out.update({r["z"]: (int(r["h"]), int(r["s"])) for r in rows})
        return out

    async def assert_consistent(self, sale: Sale) -> None:
        counters, truth = await self.counters(sale), await self.truth(sale)
        for zone_id in sale.zone_ids:
            c, (held, sold) = counters[zone_id], truth[zone_id]
            assert c.available + c.reserved + c.sold == c.total == sale.total, (zone_id, c)
            assert (c.reserved, c.sold) == (held, sold), (zone_id, c, held, sold)
