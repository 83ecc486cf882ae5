"""Turning holds the engine expired into expired bookings + ``booking.expired`` events.

The expiry worker calls ``mark_expired`` with what ``InventoryEngine.expire_due`` returned (the seats are already
back in Redis); the payment consumer and cancel use ``expire_bookings`` when the engine answers "expired" first.
Only rows still 'reserved' change, so a repeated call, or one racing a confirm/cancel, changes nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from engine import ExpiredHold
from services.booking.events import BOOKING_EXPIRED, booking_envelope, emit_many
from services.booking.store import Row

__all__ = ["expire_bookings", "mark_expired"]

_EXPIRE = """
UPDATE bookings SET status = 'expired', status_reason = $2, updated_at = NOW()
WHERE id = ANY($1::uuid[]) AND status = 'reserved'
RETURNING *
"""


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def expire_bookings(
    conn: asyncpg.Connection, booking_ids: Sequence[str], *, reason: str = "hold_expired", payment_id: str | None = None
) -> list[Row]:
    """Mark these bookings expired (if still reserved) and write their booking.expired events, atomically.
    ``payment_id``: a payment that arrived after the deadline, named in the event so it gets refunded."""
    ids = [booking_id for booking_id in booking_ids if _uuid(booking_id)]  # holds not made by this service
    if not ids:
        return []
    async with conn.transaction():  # a savepoint when the caller already has a transaction open
        rows = [dict(row) for row in await conn.fetch(_EXPIRE, ids, reason)]
        envelopes = [
            booking_envelope(BOOKING_EXPIRED, row, previous_status="reserved", payment_id=payment_id) for row in rows
        ]
        await emit_many(conn, envelopes)
    return rows


async def mark_expired(conn: asyncpg.Connection, expired_holds: Sequence[ExpiredHold]) -> list[Row]:
    """For holds ``engine.expire_due`` returned: status 'expired' (only if still 'reserved') + booking.expired.
    Returns the rows that changed."""
    return await expire_bookings(conn, [hold.hold_id for hold in expired_holds])
