"""Everything the audit compares, read from each store with that service's own credentials. Read-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from engine import InventoryEngine
from engine.audit import AuditedHold

__all__ = ["BookingRow", "Counts", "Facts", "PaymentRow", "collect_facts"]


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    available: int
    reserved: int
    sold: int


@dataclass(frozen=True, slots=True)
class BookingRow:
    id: str
    user_id: str
    zone_id: str
    quantity: int
    status: str
    payment_id: str | None
    idempotency_key: str | None
    total_amount: str


@dataclass(frozen=True, slots=True)
class PaymentRow:
    id: str
    booking_id: str
    status: str
    amount: str


@dataclass
class Facts:
    event_id: str
    redis_zones: dict[str, Counts] = field(default_factory=dict)
    redis_indexed: dict[str, AuditedHold] = field(default_factory=dict)  # holds in the expiry index
    redis_anomalies: dict[str, str] = field(default_factory=dict)  # reserved/confirmed bookings in another state
    redis_user_total: int = 0  # sum of per-user seat totals (held + bought) the engine keeps for the limit
    ticket_zones: dict[str, Counts] = field(default_factory=dict)
    ticket_shows: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # reserved, sold, Σ res, Σ sold
    bookings: list[BookingRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    duplicate_keys: int = 0  # booking_db-wide: idempotency keys held by more than one booking
    duplicate_user_keys: int = 0  # booking_db-wide: (user, client key) pairs with more than one booking
    outbox: dict[str, dict[str, int]] = field(default_factory=dict)  # db -> status -> rows created before cutoff
    outbox_young: dict[str, int] = field(default_factory=dict)  # unpublished rows newer than the cutoff (info)


_TICKET_ZONES = """
SELECT z.id::text, z.show_id::text, z.total_seats, z.available_seats, z.reserved_seats, z.sold_seats,
       s.reserved_count, s.sold_count
FROM seat_zones z JOIN shows s ON s.id = z.show_id
WHERE s.event_id = $1 AND z.deleted_at IS NULL
"""
_BOOKINGS = """
SELECT id::text, user_id::text, zone_id::text, quantity, status, payment_id::text, idempotency_key,
       total_amount::text
FROM bookings WHERE event_id = $1
"""
_DUPLICATE_KEYS = """
SELECT count(*) FROM (SELECT 1 FROM bookings WHERE idempotency_key IS NOT NULL
                      GROUP BY idempotency_key HAVING count(*) > 1) d
"""
# keys are stored as "<user id>:<client key>" (docs/booking.md); 37 = len(uuid) + 1
_DUPLICATE_USER_KEYS = """
SELECT count(*) FROM (SELECT 1 FROM bookings WHERE idempotency_key IS NOT NULL
                      GROUP BY user_id, substr(idempotency_key, 38) HAVING count(*) > 1) d
"""
_PAYMENTS = """
SELECT id::text, booking_id::text, status, amount::text FROM payments WHERE booking_id = ANY($1::uuid[])
"""
_OUTBOX = "SELECT status, count(*) FROM outbox WHERE created_at < $1 GROUP BY status"
_OUTBOX_YOUNG = "SELECT count(*) FROM outbox WHERE created_at >= $1 AND status <> 'published'"


async def _connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, timeout=10)


async def _read_ticket(dsn: str, facts: Facts) -> None:
    conn = await _connect(dsn)
    try:
        shows: dict[str, list[int]] = {}
        for row in await conn.fetch(_TICKET_ZONES, facts.event_id):
            zone_id, show_id, total, available, reserved, sold, show_reserved, show_sold = row
            facts.ticket_zones[zone_id] = Counts(total, available, reserved or 0, sold or 0)
            acc = shows.setdefault(show_id, [show_reserved or 0, show_sold or 0, 0, 0])
            acc[2] += reserved or 0
            acc[3] += sold or 0
        facts.ticket_shows = {show: (a[0], a[1], a[2], a[3]) for show, a in shows.items()}
    finally:
        await conn.close()


async def _read_bookings(dsn: str, facts: Facts) -> None:
    conn = await _connect(dsn)
    try:
        facts.bookings = [BookingRow(*row) for row in await conn.fetch(_BOOKINGS, facts.event_id)]
        facts.duplicate_keys = int(await conn.fetchval(_DUPLICATE_KEYS))
        facts.duplicate_user_keys = int(await conn.fetchval(_DUPLICATE_USER_KEYS))
    finally:
        await conn.close()


async def _read_payments(dsn: str, facts: Facts) -> None:
    conn = await _connect(dsn)
    try:
        ids = [booking.id for booking in facts.bookings]
        facts.payments = [PaymentRow(*row) for row in await conn.fetch(_PAYMENTS, ids)]
    finally:
        await conn.close()


async def _read_redis(engine: InventoryEngine, facts: Facts) -> None:
    held = [b.id for b in facts.bookings if b.status == "reserved"]
    confirmed = [b.id for b in facts.bookings if b.status == "confirmed"]
    audit = await engine.audit_event(facts.event_id, held, confirmed)  # one atomic read of counters + holds
    facts.redis_zones = {z: Counts(s.total, s.available, s.reserved, s.sold) for z, s in audit.zones.items()}
    facts.redis_indexed = audit.indexed
    facts.redis_anomalies = audit.anomalies
    # read-only look at the per-user totals: a double release (or a missed one) shows up here first
    values = await engine.redis.hvals(engine.keys.users(facts.event_id))
    facts.redis_user_total = sum(int(v) for v in values)


async def _read_outboxes(dsns: dict[str, str], cutoff: datetime, facts: Facts) -> None:
    for db, dsn in dsns.items():
        conn = await _connect(dsn)
        try:
            facts.outbox[db] = {str(status): int(n) for status, n in await conn.fetch(_OUTBOX, cutoff)}
            facts.outbox_young[db] = int(await conn.fetchval(_OUTBOX_YOUNG, cutoff))
        finally:
            await conn.close()


async def collect_facts(event_id: str, dsns: dict[str, str], engine: InventoryEngine, cutoff: datetime) -> Facts:
    """booking_db first (it names the holds), then Redis and the others. The stores are not read atomically
    together, so a transition in flight can show up as a difference; the caller re-reads before judging."""
    facts = Facts(event_id)
    await _read_bookings(dsns["booking_db"], facts)
    await _read_redis(engine, facts)
    await _read_ticket(dsns["ticket_db"], facts)
    await _read_payments(dsns["payment_db"], facts)
    await _read_outboxes(dsns, cutoff, facts)
    return facts
