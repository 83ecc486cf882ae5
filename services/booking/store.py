"""SQL on booking_db.bookings. Rows come back as plain dicts (column name -> value)."""

from __future__ import annotations

import operator
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, cast

import asyncpg

__all__ = [
    "NewBooking",
    "Row",
    "get",
    "get_by_key",
    "insert_many",
    "list_for_user",
    "lock",
    "transaction",
    "update_status",
]

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewBooking:
    """One bookings row to insert; field order matches ``_INSERT``'s arrays."""

    id: str
    tenant_id: str
    user_id: str
    event_id: str
    show_id: str
    zone_id: str
    event_name: str
    show_date: date
    show_time: time
    zone_name: str
    venue_name: str | None
    quantity: int
    unit_price: Decimal
    total_amount: Decimal
    currency: str
    idempotency_key: str
    request_hash: str
    confirmation_code: str
    reserved_at: datetime
    reservation_expires_at: datetime


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection inside a transaction (typed as a Connection: the pool's proxy forwards to one)."""
    async with pool.acquire() as proxy, proxy.transaction():
        yield cast(asyncpg.Connection, proxy)


_TYPES = ("uuid", "uuid", "uuid", "uuid", "uuid", "uuid", "text", "date", "timetz", "text", "text", "int4",
          "numeric", "numeric", "text", "text", "text", "text", "timestamptz", "timestamptz")  # fmt: skip
_COLUMNS = [f.name for f in fields(NewBooking)]
_ROW = operator.attrgetter(*_COLUMNS)
# One statement for the whole batch: unnest() turns the column arrays back into rows. ON CONFLICT DO NOTHING on the
# idempotency key keeps one duplicate from aborting everybody else's transaction; RETURNING tells who got in.
_INSERT = f"""
INSERT INTO bookings ({", ".join(_COLUMNS)}, status, created_at, updated_at)
SELECT u.*, 'reserved', u.reserved_at, u.reserved_at
FROM unnest({", ".join(f"${i + 1}::{t}[]" for i, t in enumerate(_TYPES))}) AS u({", ".join(_COLUMNS)})
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING *
"""


async def insert_many(conn: asyncpg.Connection, bookings: Sequence[NewBooking]) -> list[Row]:
    """Insert what is new; returns the inserted rows (a booking whose idempotency key exists is left out)."""
    # attrgetter, not dataclasses.astuple: astuple deep-copies every field (~55 us a booking on the hot path).
    columns = list(zip(*(_ROW(b) for b in bookings), strict=True))
    rows = await conn.fetch(_INSERT, *columns)
    return [dict(row) for row in rows]


async def get(conn: asyncpg.Connection | asyncpg.Pool, booking_id: str) -> Row | None:
    row = await conn.fetchrow("SELECT * FROM bookings WHERE id = $1", booking_id)
    return None if row is None else dict(row)


async def get_by_key(conn: asyncpg.Connection | asyncpg.Pool, idempotency_key: str) -> Row | None:
    row = await conn.fetchrow("SELECT * FROM bookings WHERE idempotency_key = $1", idempotency_key)
    return None if row is None else dict(row)


async def lock(conn: asyncpg.Connection, booking_id: str) -> Row | None:
    """The row, locked until the transaction ends: serialises cancel against the payment consumer."""
    row = await conn.fetchrow("SELECT * FROM bookings WHERE id = $1 FOR UPDATE", booking_id)
    return None if row is None else dict(row)


async def list_for_user(pool: asyncpg.Pool, user_id: str, limit: int, offset: int) -> list[Row]:
    # Newest first; id breaks ties so pages are stable. Served by idx_bookings_user_history (user_id, created_at).
    rows = await pool.fetch(
        "SELECT * FROM bookings WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
        user_id,
        limit,
        offset,
    )
    return [dict(row) for row in rows]


_SETTABLE = frozenset({"status_reason", "payment_id", "confirmed_at", "cancelled_at", "cancelled_by"})


async def update_status(conn: asyncpg.Connection, booking_id: str, status: str, **changes: Any) -> Row:
    """Set ``status`` (and the named columns) and return the updated row."""
    unknown = set(changes) - _SETTABLE
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)}")
    assignments = ["status = $2", "updated_at = NOW()"]
    assignments += [f"{name} = ${i + 3}" for i, name in enumerate(changes)]
    sql = f"UPDATE bookings SET {', '.join(assignments)} WHERE id = $1 RETURNING *"
    row = await conn.fetchrow(sql, booking_id, status, *changes.values())
    if row is None:
        raise LookupError(f"booking {booking_id} vanished")
    return dict(row)
