"""payment.* events, written to the outbox in the transaction of the change they describe.

``data`` (dataschema ``booking-rush/payment.<x>/v1``)::

    {"payment_id", "booking_id", "tenant_id", "user_id", "amount": "1500.00", "currency": "THB", "status",
     "occurred_at": ISO 8601,
     + "error_code", "error_message"   (payment.failed)
     + "refund_amount", "refund_reason" (payment.refunded)
     + "expires_at"                     (payment.initiated: the hold deadline the payment must beat)}

The aggregate is the payment (Kafka key = payment id): ordering per payment is what consumers need, and each
booking has at most one payment, so it is also ordering per booking. ``booking_id`` is always in ``data``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from services.payment.store import Payment
from services.shared.envelope import EventEnvelope
from services.shared.outbox import write_outbox
from services.shared.topics import PAYMENT_TRANSACTIONS

__all__ = ["COMPLETED", "FAILED", "INITIATED", "PROCESSING", "REFUNDED", "SOURCE", "emit", "payment_event"]

SOURCE = "payment-service"
INITIATED = "payment.initiated"
PROCESSING = "payment.processing"
COMPLETED = "payment.completed"
FAILED = "payment.failed"
REFUNDED = "payment.refunded"


def payment_event(event_type: str, payment: Payment) -> EventEnvelope:
    data: dict[str, Any] = {
        "payment_id": payment.id,
        "booking_id": payment.booking_id,
        "tenant_id": payment.tenant_id,
        "user_id": payment.user_id,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "status": payment.status,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    if event_type == INITIATED:
        data["expires_at"] = payment.metadata.get("expires_at")
    elif event_type == FAILED:
        data["error_code"] = payment.error_code
        data["error_message"] = payment.error_message
    elif event_type == REFUNDED:
        data["refund_amount"] = str(payment.refund_amount) if payment.refund_amount is not None else None
        data["refund_reason"] = payment.refund_reason
    return EventEnvelope(
        type=event_type,
        source=SOURCE,
        aggregate_type="payment",
        aggregate_id=payment.id,
        data=data,
        tenant_id=payment.tenant_id,
    )


async def emit(conn: asyncpg.Connection, event_type: str, payment: Payment) -> None:
    """Write the event to the outbox; must run inside the transaction that made ``payment`` what it is."""
    await write_outbox(conn, payment_event(event_type, payment), PAYMENT_TRANSACTIONS)
