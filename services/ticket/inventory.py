"""Mirroring booking lifecycle events into ticket_db's zone and show counters.

Each handler runs inside the runner's transaction (which also records the inbox row), moves the counters with
one UPDATE, and writes ``zone.inventory.updated`` (plus ``zone.sold_out`` when the zone's last seat went) to the
outbox on the same connection. The CHECK constraints of migration 0002 are the backstop: an event that would
break them is a bug upstream, so it is logged and re-raised (the runner retries / surfaces it), never clamped.
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


async def _apply(conn: Conn, envelope: EventEnvelope, delta: _Delta) -> None:
    zone_id, _ = _parse(envelope)
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
    cause = {
        "type": envelope.type,
        "source_event_id": envelope.id,
        "booking_id": envelope.data.get("booking_id"),
        "quantity": abs(delta.available) or abs(delta.sold),
    }
    items = [payloads.zone_inventory_updated(row, row["event_id"], row["tenant_id"], cause)]
    if row["available_seats"] == 0 and row["available_before"] > 0:
        items.append(payloads.zone_sold_out(row, row["event_id"], row["tenant_id"], cause))
    await emit(conn, *items)


async def on_booking_reserved(conn: Conn, envelope: EventEnvelope) -> None:
    _, q = _parse(envelope)
    await _apply(conn, envelope, _Delta(available=-q, reserved=q, sold=0))


async def on_booking_confirmed(conn: Conn, envelope: EventEnvelope) -> None:
    _, q = _parse(envelope)
    await _apply(conn, envelope, _Delta(available=0, reserved=-q, sold=q))


async def _release(conn: Conn, envelope: EventEnvelope) -> None:
    """A refund (the booking had been confirmed) takes seats back from sold, anything else from reserved."""
    _, q = _parse(envelope)
    if envelope.data.get("previous_status") == "confirmed":
        await _apply(conn, envelope, _Delta(available=q, reserved=0, sold=-q))
    else:
        await _apply(conn, envelope, _Delta(available=q, reserved=-q, sold=0))


on_booking_cancelled = _release
on_booking_expired = _release

HANDLERS = {
    "booking.reserved": on_booking_reserved,
    "booking.confirmed": on_booking_confirmed,
    "booking.cancelled": on_booking_cancelled,
    "booking.expired": on_booking_expired,
}
