"""The payment side of the booking saga, run by the generic Kafka consumer (``sync``) on booking.transactions.

    booking.reserved              -> a pending payment for the booking (+ payment.initiated)
    booking.cancelled / .expired  -> pending/processing: cancelled (no event: the booking is already over, and a
                                     payment.failed would only make booking-service cancel it again);
                                     completed: refunded through the gateway (+ payment.refunded)

The runner calls each handler inside the transaction that records the inbox row, so a replayed event does
nothing; the handlers are idempotent on their own as well (booking_id is UNIQUE, state changes are conditional).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.payment import events, store
from services.payment.app import build_gateway
from services.payment.gateway import PaymentGateway
from services.payment.settings import Settings
from services.shared.consuming import ConsumerDefinition, EventHandler
from services.shared.db import create_pool
from services.shared.envelope import EventEnvelope
from services.shared.topics import BOOKING_TRANSACTIONS

__all__ = ["CONSUMER_NAME", "BookingReserved", "PaymentSaga", "open_consumer"]

CONSUMER_NAME = "payment-saga"
log = logging.getLogger("payment.saga")


class BookingReserved(BaseModel):
    """The fields of booking.reserved's data this service uses (others are ignored)."""

    model_config = ConfigDict(extra="ignore")

    booking_id: uuid.UUID
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    event_id: uuid.UUID
    show_id: uuid.UUID | None = None
    zone_id: uuid.UUID | None = None
    quantity: int | None = None
    total_amount: Decimal = Field(max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    expires_at: datetime | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PaymentSaga:
    gateway: PaymentGateway

    def handlers(self) -> dict[str, EventHandler]:
        return {
            "booking.reserved": self.on_reserved,
            "booking.cancelled": self.on_booking_over,
            "booking.expired": self.on_booking_over,
        }

    async def on_reserved(self, conn: asyncpg.Connection, envelope: EventEnvelope) -> None:
        try:
            booking = BookingReserved.model_validate(envelope.data)
        except ValidationError as exc:
            # A malformed event can never succeed; failing would stall the partition behind it forever.
            log.error("skipping malformed booking.reserved", extra={"fields": {"id": envelope.id, "error": str(exc)}})
            return
        if booking.total_amount <= 0:
            log.info("free booking needs no payment", extra={"fields": {"booking_id": str(booking.booking_id)}})
            return
        metadata = {
            "tenant_id": str(booking.tenant_id),
            "event_id": str(booking.event_id),
            "show_id": str(booking.show_id) if booking.show_id else None,
            "zone_id": str(booking.zone_id) if booking.zone_id else None,
            "quantity": booking.quantity,
            "expires_at": booking.expires_at.isoformat() if booking.expires_at else None,
            "booking_event_id": envelope.id,
        }
        payment = await store.insert_pending(
            conn,
            booking_id=str(booking.booking_id),
            user_id=str(booking.user_id),
            amount=booking.total_amount,
            currency=booking.currency.upper(),
            metadata=metadata,
        )
        if payment is not None:
            await events.emit(conn, events.INITIATED, payment)

    async def on_booking_over(self, conn: asyncpg.Connection, envelope: EventEnvelope) -> None:
        raw_id = envelope.data.get("booking_id") or envelope.aggregate_id
        try:
            booking_id = str(uuid.UUID(str(raw_id)))
        except ValueError:
            log.error("skipping booking event without a valid booking_id", extra={"fields": {"id": envelope.id}})
            return
        reason = envelope.type.replace(".", "_")  # booking_cancelled | booking_expired
        payment = await store.get_by_booking(conn, booking_id, for_update=True)
        if payment is None:
            return
        if payment.status in ("pending", "processing"):
            # A charge in flight settles into 'cancelled' and is refunded by the pay flow (service.py).
            await store.mark_cancelled(conn, payment.id, reason=reason)
        elif payment.status == "completed" and payment.gateway_charge_id:
            # Inside the runner's transaction: if it rolls back after the refund, the redelivered event refunds
            # again, which the gateway answers with the first refund (refunds are idempotent per charge).
            refund = await self.gateway.refund(payment.gateway_charge_id, payment.amount)
            refunded = await store.mark_refunded(conn, payment.id, refund, reason=reason)
            if refunded is not None:
                await events.emit(conn, events.REFUNDED, refunded)


@asynccontextmanager
async def open_consumer(environ: Mapping[str, str]) -> AsyncIterator[ConsumerDefinition]:
    settings = Settings.from_env(environ, require_jwt=False)
    pool = await create_pool(settings.dsn.reveal(), min_size=1, max_size=settings.pool_max_size)
    try:
        saga = PaymentSaga(build_gateway(settings))
        yield ConsumerDefinition(
            name=CONSUMER_NAME, topics=(BOOKING_TRANSACTIONS,), pool=pool, handlers=saga.handlers()
        )
    finally:
        await pool.close()
