"""The baseline: what a straightforward reconciler does, zone by zone, booking by booking (round trip each)."""

from __future__ import annotations

import time

import asyncpg

from engine import InventoryEngine
from services.shared.db import acquire

__all__ = ["naive_check"]


async def naive_check(engine: InventoryEngine, ticket: asyncpg.Pool, booking: asyncpg.Pool, zones: int) -> float:
    """Seconds to check ``zones`` zones one query / one Redis call at a time."""
    async with acquire(ticket) as conn:
        rows = await conn.fetch(
            """SELECT z.id::text AS zone_id, s.event_id::text AS event_id FROM seat_zones z
               JOIN shows s ON s.id = z.show_id ORDER BY z.id LIMIT $1""",
            zones,
        )
    started = time.perf_counter()
    async with acquire(ticket) as tconn, acquire(booking) as bconn:
        for r in rows:
            zone, event = r["zone_id"], r["event_id"]
            await tconn.fetchrow("SELECT total_seats, sold_seats, reserved_seats FROM seat_zones WHERE id = $1", zone)
            bookings = await bconn.fetch(
                """SELECT id::text AS id, status, quantity FROM bookings
                   WHERE event_id = $1 AND zone_id = $2 AND status IN ('reserved', 'confirmed')""",
                event,
                zone,
            )
            await engine.redis.hgetall(engine.keys.zone(event, zone))
            for b in bookings:
                await engine.redis.hget(engine.keys.hold(event, b["id"]), "state")
    return time.perf_counter() - started
