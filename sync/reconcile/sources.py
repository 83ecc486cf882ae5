"""The reconciler's reads of ticket_db and booking_db: bulk (one pass, GROUP BY zone) for the whole run, and
small per-event reads for verifying and repairing one event.

Epoch-ms are computed in SQL so 1M rows never become datetime objects in Python; ids come back as text for the
same reason (asyncpg's UUID objects cost more than the strings the engine wants anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import asyncpg

from services.shared.db import acquire

__all__ = [
    "BookingState",
    "BulkBookings",
    "HoldRef",
    "TicketZone",
    "ZoneBookings",
    "load_booking_rows",
    "load_bulk_bookings",
    "load_event_bookings",
    "load_ticket_zones",
]


class HoldRef(NamedTuple):
    zone_id: str
    quantity: int
    deadline_ms: int
    reserved_ms: int


@dataclass(frozen=True, slots=True)
class TicketZone:
    event_id: str
    show_id: str
    zone_id: str
    total: int
    available: int
    reserved: int
    sold: int


@dataclass(slots=True)
class BookingState:
    """What booking_db says about one event's holds. ``other``: status of looked-up ids that are neither
    reserved nor confirmed (e.g. 'cancelled'); an id missing everywhere has no booking row at all."""

    reserved: dict[str, HoldRef] = field(default_factory=dict)
    confirmed: dict[str, HoldRef] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ZoneBookings:
    sold: int
    reserved_all: int  # every 'reserved' row, expired or not: what ticket_db's reserved_seats mirrors
    held: int  # reserved and not yet expired: the active holds
    last_change_age_s: float  # seconds since the newest change of a row of this zone


@dataclass(slots=True)
class BulkBookings:
    events: dict[str, BookingState]
    zones: dict[str, ZoneBookings]
    outbox_pending: dict[str, int]  # zone id -> unpublished booking events older than the lag grace


_TICKET = """
SELECT e.id::text AS event_id, s.id::text AS show_id, z.id::text AS zone_id, z.total_seats, z.available_seats,
       z.reserved_seats, z.sold_seats
FROM seat_zones z JOIN shows s ON s.id = z.show_id JOIN events e ON e.id = s.event_id
WHERE e.status = 'published' AND e.deleted_at IS NULL AND s.deleted_at IS NULL AND z.deleted_at IS NULL
"""


async def load_ticket_zones(pool: asyncpg.Pool) -> dict[str, list[TicketZone]]:
    """Zones of every published event (the live sales), by event id."""
    async with acquire(pool) as conn:
        rows = await conn.fetch(_TICKET)
    out: dict[str, list[TicketZone]] = {}
    for r in rows:
        out.setdefault(r["event_id"], []).append(
            TicketZone(
                r["event_id"],
                r["show_id"],
                r["zone_id"],
                r["total_seats"],
                r["available_seats"],
                r["reserved_seats"] or 0,
                r["sold_seats"] or 0,
            )
        )
    return out


_MS = "(extract(epoch FROM {0}) * 1000)::bigint"
# One pass over bookings: per zone the sums, plus the ids of its live bookings as arrays (far cheaper to move than
# one row per booking). Only 'reserved' and 'confirmed' rows matter: every other status holds no seat.
_BULK = f"""
SELECT event_id::text AS event_id, zone_id::text AS zone_id,
       COALESCE(SUM(quantity) FILTER (WHERE status = 'confirmed'), 0)::int AS sold,
       COALESCE(SUM(quantity) FILTER (WHERE status = 'reserved'), 0)::int AS reserved_all,
       COALESCE(SUM(quantity) FILTER (WHERE status = 'reserved' AND reservation_expires_at > $1), 0)::int AS held,
       EXTRACT(epoch FROM $1 - MAX(updated_at))::float8 AS age_s,
       array_agg(id::text) FILTER (WHERE status = 'confirmed') AS c_ids,
       array_agg(quantity) FILTER (WHERE status = 'confirmed') AS c_qty,
       array_agg(id::text) FILTER (WHERE status = 'reserved') AS r_ids,
       array_agg(quantity) FILTER (WHERE status = 'reserved') AS r_qty,
       array_agg({_MS.format("reservation_expires_at")}) FILTER (WHERE status = 'reserved') AS r_deadline,
       array_agg({_MS.format("reserved_at")}) FILTER (WHERE status = 'reserved') AS r_at
FROM bookings WHERE status IN ('reserved', 'confirmed')
GROUP BY event_id, zone_id
"""
# Unpublished booking events per zone: ticket_db cannot have applied them yet, so its counts may lag.
_OUTBOX = """
SELECT payload->'data'->>'zone_id' AS zone_id, COUNT(*)::int AS n FROM outbox
WHERE status IN ('pending', 'failed') AND aggregate_type = 'booking'
GROUP BY 1
"""


def _refs(
    ids: Sequence[str] | None,
    qty: Sequence[int] | None,
    zone: str,
    dl: Sequence[int] | None = None,
    at: Sequence[int] | None = None,
) -> dict[str, HoldRef]:
    if not ids or not qty:
        return {}
    deadlines = dl or [0] * len(ids)
    reserved = at or [0] * len(ids)
    return {i: HoldRef(zone, q, d or 0, a or 0) for i, q, d, a in zip(ids, qty, deadlines, reserved, strict=True)}


async def load_bulk_bookings(pool: asyncpg.Pool, now_ms: int) -> BulkBookings:
    async with acquire(pool) as conn:
        now = await conn.fetchval("SELECT to_timestamp($1::float8 / 1000)", now_ms)
        rows = await conn.fetch(_BULK, now)
        outbox = await conn.fetch(_OUTBOX)
    events: dict[str, BookingState] = {}
    zones: dict[str, ZoneBookings] = {}
    for r in rows:
        state = events.setdefault(r["event_id"], BookingState())
        zone = r["zone_id"]
        state.confirmed.update(_refs(r["c_ids"], r["c_qty"], zone))
        state.reserved.update(_refs(r["r_ids"], r["r_qty"], zone, r["r_deadline"], r["r_at"]))
        zones[zone] = ZoneBookings(r["sold"], r["reserved_all"], r["held"], float(r["age_s"] or 0.0))
    return BulkBookings(events, zones, {r["zone_id"]: r["n"] for r in outbox if r["zone_id"]})


_EVENT = f"""
SELECT id::text AS id, zone_id::text AS zone_id, status, quantity,
       COALESCE({_MS.format("reservation_expires_at")}, 0) AS deadline_ms,
       COALESCE({_MS.format("reserved_at")}, 0) AS reserved_ms
FROM bookings
WHERE event_id = $1 AND (status IN ('reserved', 'confirmed') OR id = ANY($2::uuid[]))
"""


async def load_event_bookings(pool: asyncpg.Pool, event_id: str, lookup: Sequence[str]) -> BookingState:
    """One event's reserved and confirmed bookings, plus the status of the ``lookup`` ids (valid UUIDs only)."""
    async with acquire(pool) as conn:
        rows = await conn.fetch(_EVENT, event_id, list(lookup))
    state = BookingState()
    for r in rows:
        ref = HoldRef(r["zone_id"], r["quantity"], r["deadline_ms"], r["reserved_ms"])
        if r["status"] == "reserved":
            state.reserved[r["id"]] = ref
        elif r["status"] == "confirmed":
            state.confirmed[r["id"]] = ref
        else:
            state.other[r["id"]] = r["status"]
    return state


_ROWS = f"""
SELECT id::text AS id, tenant_id::text AS tenant_id, user_id::text AS user_id, event_id::text AS event_id,
       show_id::text AS show_id, zone_id::text AS zone_id, quantity, status, idempotency_key,
       payment_id::text AS payment_id, COALESCE({_MS.format("reservation_expires_at")}, 0) AS deadline_ms,
       COALESCE({_MS.format("reserved_at")}, {_MS.format("created_at")}) AS reserved_ms
FROM bookings WHERE id = ANY($1::uuid[])
"""


async def load_booking_rows(pool: asyncpg.Pool, ids: Sequence[str]) -> list[asyncpg.Record]:
    """Full rows (what restore_hold needs) of a few bookings."""
    async with acquire(pool) as conn:
        return list(await conn.fetch(_ROWS, list(ids)))
