"""booking.* events: the one builder of their ``data`` payload (ticket-service and payment-service code against it).

``data`` keys, for every booking.* type: booking_id, tenant_id, user_id, event_id, show_id, zone_id, quantity,
unit_price (string), total_amount (string), currency, status, previous_status (string|null), reserved_at,
expires_at (ISO 8601), payment_id (string|null), idempotency_key. Topic booking.transactions, aggregate "booking".
"""

from __future__ import annotations

from typing import Any

import asyncpg

from services.shared.envelope import EventEnvelope
from services.shared.outbox import write_outbox, write_outbox_many
from services.shared.topics import BOOKING_TRANSACTIONS

__all__ = [
    "BOOKING_CANCELLED",
    "BOOKING_CONFIRMED",
    "BOOKING_EXPIRED",
    "BOOKING_RESERVED",
    "SOURCE",
    "booking_envelope",
    "emit",
    "emit_many",
]

SOURCE = "booking-service"
BOOKING_RESERVED = "booking.reserved"
BOOKING_CONFIRMED = "booking.confirmed"
BOOKING_CANCELLED = "booking.cancelled"
BOOKING_EXPIRED = "booking.expired"


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def booking_envelope(
    event_type: str, row: dict[str, Any], *, previous_status: str | None, payment_id: str | None = None
) -> EventEnvelope:
    """The event for a bookings row in its NEW state (``row["status"]``). ``payment_id`` overrides the row's
    (a payment that arrived too late is named in booking.expired although the booking never took it)."""
    data = {
        "booking_id": str(row["id"]),
        "tenant_id": str(row["tenant_id"]),
        "user_id": str(row["user_id"]),
        "event_id": str(row["event_id"]),
        "show_id": str(row["show_id"]),
        "zone_id": str(row["zone_id"]),
        "quantity": int(row["quantity"]),
        "unit_price": str(row["unit_price"]),
        "total_amount": str(row["total_amount"]),
        "currency": str(row["currency"]),
        "status": str(row["status"]),
        "previous_status": previous_status,
        "reserved_at": row["reserved_at"].isoformat(),
        "expires_at": row["reservation_expires_at"].isoformat(),
        "payment_id": payment_id if payment_id is not None else _opt(row["payment_id"]),
        "idempotency_key": _opt(row["idempotency_key"]),
    }
    return EventEnvelope(
        type=event_type,
        source=SOURCE,
        aggregate_type="booking",
        aggregate_id=str(row["id"]),
        data=data,
        tenant_id=str(row["tenant_id"]),
    )


async def emit(conn: asyncpg.Connection, envelope: EventEnvelope) -> None:
    await write_outbox(conn, envelope, BOOKING_TRANSACTIONS)


async def emit_many(conn: asyncpg.Connection, envelopes: list[EventEnvelope]) -> None:
    if envelopes:
        await write_outbox_many(conn, [(envelope, BOOKING_TRANSACTIONS) for envelope in envelopes])
