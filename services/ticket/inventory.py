"""Mirroring booking lifecycle events into ticket_db's zone and show counters.

Each handler runs inside the runner's transaction (which also records the inbox row), moves the counters with
one UPDATE, and writes ``zone.inventory.updated`` (plus ``zone.sold_out`` when the zone's last seat went) to the
outbox on the same connection. The CHECK constraints of migration 0002 are the backstop: an event that would
break them is a bug upstream, so it is logged and re-raised (the runner retries / surfaces it), never clamped.

One reordering is expected, not a bug: events are keyed by booking, so booking B's ``booking.reserved`` can
arrive before booking A's ``booking.cancelled`` that freed B's seats in Redis. Such a reservation waits in
``deferred_holds`` (migration 0004), counted nowhere, and is applied by the release that makes room for it; a
confirm of a deferred booking follows it there, and a cancel/expiry of one just drops it. ticket_db thus never
shows an impossible zone, and once every event has arrived its counts equal the booking history's.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.shared.envelope import EventEnvelope
from services.ticket import payloads
from services.ticket.rows import Conn, emit

__all__ = [
    "HANDLERS",
    "InventoryEventError",
    "on_booking_cancelled",
    "on_booking_confirmed",
    "on_booking_expired",
    "on_booking_reserved",
]

log = logging.getLogger("ticket.inventory")


class InventoryEventError(Exception):
    """A booking event ticket_db cannot apply: malformed, unknown zone, or one that would break an invariant."""


@dataclass(frozen=True, slots=True)
class _Delta:
    available: int
    reserved: int
    sold: int


_UPDATE = """
WITH z AS (
    UPDATE seat_zones SET available_seats = available_seats + $2, reserved_seats = reserved_seats + $3,
                          sold_seats = sold_seats + $4, updated_at = NOW()
    WHERE id = $1 AND deleted_at IS NULL
    RETURNING *
)
SELECT z.*, s.event_id, e.tenant_id, z.available_seats - $2 AS available_before
FROM z JOIN shows s ON s.id = z.show_id JOIN events e ON e.id = s.event_id
"""
_LOCK_ZONE = """
SELECT z.total_seats, z.available_seats, e.tenant_id
FROM seat_zones z JOIN shows s ON s.id = z.show_id JOIN events e ON e.id = s.event_id
WHERE z.id = $1 AND z.deleted_at IS NULL
FOR UPDATE OF z
"""
_DEFER = """
INSERT INTO deferred_holds (booking_id, zone_id, quantity, status, source_event_id, tenant_id)
VALUES ($1, $2, $3, $4, $5, $6)
"""
_DEFERRED_OF_BOOKING = "SELECT booking_id, quantity, status FROM deferred_holds WHERE booking_id = $1 FOR UPDATE"
_DEFERRED_OF_ZONE = """
SELECT booking_id, quantity, status FROM deferred_holds WHERE zone_id = $1 ORDER BY deferred_at FOR UPDATE
"""
_CONFIRM_DEFERRED = "UPDATE deferred_holds SET status = 'confirmed' WHERE booking_id = $1"
_UNDEFER = "DELETE FROM deferred_holds WHERE booking_id = $1"
_SHOW = """
UPDATE shows SET reserved_count = reserved_count + $2, sold_count = sold_count + $3, updated_at = NOW() WHERE id = $1
"""


def _parse(envelope: EventEnvelope) -> tuple[uuid.UUID, int]:
    data = envelope.data
    try:
        zone_id = uuid.UUID(str(data["zone_id"]))
        quantity = data["quantity"]
    except (KeyError, ValueError) as exc:
        raise InventoryEventError(f"{envelope.type} {envelope.id}: bad or missing zone_id/quantity: {exc}") from None
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise InventoryEventError(f"{envelope.type} {envelope.id}: quantity must be a positive integer")
    return zone_id, quantity


def _cause(envelope: EventEnvelope, quantity: int, kind: str | None = None) -> dict[str, Any]:
    return {
        "type": kind or envelope.type,
        "source_event_id": envelope.id,
        "booking_id": envelope.data.get("booking_id"),
        "quantity": quantity,
    }


async def _apply(conn: Conn, envelope: EventEnvelope, zone_id: uuid.UUID, delta: _Delta, cause: dict[str, Any]) -> Any:
    context: dict[str, Any] = {"type": envelope.type, "event": envelope.id, "zone_id": str(zone_id)}
    try:
        row = await conn.fetchrow(_UPDATE, zone_id, delta.available, delta.reserved, delta.sold)
    except asyncpg.CheckViolationError as exc:
        log.error("booking event would break %s", exc.constraint_name, extra={"fields": context})
        raise InventoryEventError(f"{envelope.type} {envelope.id} violates {exc.constraint_name}") from exc
    if row is None:
        log.error("booking event for an unknown zone", extra={"fields": context})
        raise InventoryEventError(f"{envelope.type} {envelope.id}: zone {zone_id} does not exist")
    if envelope.tenant_id is not None and str(row["tenant_id"]) != str(envelope.tenant_id):
        log.error("booking event tenant does not own the zone", extra={"fields": context})
        raise InventoryEventError(f"{envelope.type} {envelope.id}: zone {zone_id} belongs to another tenant")
    try:
        await conn.execute(_SHOW, row["show_id"], delta.reserved, delta.sold)
    except asyncpg.CheckViolationError as exc:
        log.error("booking event would break %s", exc.constraint_name, extra={"fields": context})
        raise InventoryEventError(f"{envelope.type} {envelope.id} violates {exc.constraint_name}") from exc
    items = [payloads.zone_inventory_updated(row, row["event_id"], row["tenant_id"], cause)]
    if row["available_seats"] == 0 and row["available_before"] > 0:
        items.append(payloads.zone_sold_out(row, row["event_id"], row["tenant_id"], cause))
    await emit(conn, *items)
    return row


async def _lock_zone(conn: Conn, envelope: EventEnvelope, zone_id: uuid.UUID) -> Any:
    """The zone row, locked for this transaction (deferral decisions must not race another consumer)."""
    zone = await conn.fetchrow(_LOCK_ZONE, zone_id)
    context: dict[str, Any] = {"type": envelope.type, "event": envelope.id, "zone_id": str(zone_id)}
    if zone is None:
        log.error("booking event for an unknown zone", extra={"fields": context})
        raise InventoryEventError(f"{envelope.type} {envelope.id}: zone {zone_id} does not exist")
    if envelope.tenant_id is not None and str(zone["tenant_id"]) != str(envelope.tenant_id):
        log.error("booking event tenant does not own the zone", extra={"fields": context})
        raise InventoryEventError(f"{envelope.type} {envelope.id}: zone {zone_id} belongs to another tenant")
    return zone


def _booking_id(envelope: EventEnvelope) -> uuid.UUID:
    try:
        return uuid.UUID(str(envelope.data["booking_id"]))
    except (KeyError, ValueError):
        raise InventoryEventError(f"{envelope.type} {envelope.id}: bad or missing booking_id") from None


async def _defer(conn: Conn, envelope: EventEnvelope, zone_id: uuid.UUID, quantity: int, status: str) -> None:
    await conn.execute(_DEFER, _booking_id(envelope), zone_id, quantity, status, uuid.UUID(envelope.id),
                       envelope.tenant_id)  # fmt: skip
    log.info(
        "booking deferred until seats are released",
        extra={"fields": {"booking_id": str(_booking_id(envelope)), "zone_id": str(zone_id), "status": status}},
    )


async def _drain(conn: Conn, envelope: EventEnvelope, zone_id: uuid.UUID, available: int) -> None:
    """Apply deferred bookings of this zone, oldest first, that fit in what is available now."""
    for deferred in await conn.fetch(_DEFERRED_OF_ZONE, zone_id):
        quantity = int(deferred["quantity"])
        if quantity > available:
            continue
        sold = quantity if deferred["status"] == "confirmed" else 0
        cause = _cause(envelope, quantity, kind=f"deferred.{deferred['status']}")
        cause["booking_id"] = str(deferred["booking_id"])
        row = await _apply(conn, envelope, zone_id, _Delta(-quantity, quantity - sold, sold), cause)
        await conn.execute(_UNDEFER, deferred["booking_id"])
        available = int(row["available_seats"])


async def on_booking_reserved(conn: Conn, envelope: EventEnvelope) -> None:
    zone_id, q = _parse(envelope)
    zone = await _lock_zone(conn, envelope, zone_id)
    if q > zone["total_seats"]:
        raise InventoryEventError(
            f"{envelope.type} {envelope.id}: {q} seats can never fit a zone of {zone['total_seats']}"
        )
    if q > zone["available_seats"]:
        await _defer(conn, envelope, zone_id, q, "reserved")  # the release that made room is still on its way
        return
    await _apply(conn, envelope, zone_id, _Delta(available=-q, reserved=q, sold=0), _cause(envelope, q))


async def on_booking_confirmed(conn: Conn, envelope: EventEnvelope) -> None:
    zone_id, q = _parse(envelope)
    # Lock order everywhere: the zone row first, then deferred rows (two bookings of a zone never deadlock).
    zone = await _lock_zone(conn, envelope, zone_id)
    deferred = await conn.fetchrow(_DEFERRED_OF_BOOKING, _booking_id(envelope))
    if deferred is None:
        await _apply(conn, envelope, zone_id, _Delta(available=0, reserved=-q, sold=q), _cause(envelope, q))
        return
    if q > zone["available_seats"]:
        await conn.execute(_CONFIRM_DEFERRED, deferred["booking_id"])
        return
    await _apply(conn, envelope, zone_id, _Delta(available=-q, reserved=0, sold=q), _cause(envelope, q))
    await conn.execute(_UNDEFER, deferred["booking_id"])


async def _release(conn: Conn, envelope: EventEnvelope) -> None:
    """A refund (the booking had been confirmed) takes seats back from sold, anything else from reserved; then
    deferred bookings that now fit are applied. A booking still deferred was never counted: it is just dropped."""
    zone_id, q = _parse(envelope)
    await _lock_zone(conn, envelope, zone_id)  # zone first, then deferred rows: see on_booking_confirmed
    deferred = await conn.fetchrow(_DEFERRED_OF_BOOKING, _booking_id(envelope))
    if deferred is not None:
        await conn.execute(_UNDEFER, deferred["booking_id"])
        return
    if envelope.data.get("previous_status") == "confirmed":
        delta = _Delta(available=q, reserved=0, sold=-q)
    else:
        delta = _Delta(available=q, reserved=-q, sold=0)
    row = await _apply(conn, envelope, zone_id, delta, _cause(envelope, q))
    await _drain(conn, envelope, zone_id, int(row["available_seats"]))


on_booking_cancelled = _release
on_booking_expired = _release

HANDLERS = {
    "booking.reserved": on_booking_reserved,
    "booking.confirmed": on_booking_confirmed,
    "booking.cancelled": on_booking_cancelled,
    "booking.expired": on_booking_expired,
}
