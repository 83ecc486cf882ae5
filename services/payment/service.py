"""The charge flow: claim the payment, call the gateway outside any transaction, settle the outcome.

    1. one transaction: lock the row; pending -> processing (+ payment.processing). Anything but pending means
       another call got there first (or the payment is over): return the current state, charge nothing.
    2. no transaction: gateway.charge(..., idempotency_key=payment id). A slow gateway must not hold a row lock
       or a pooled connection, and the key makes a repeated charge return the first one instead of charging twice.
    3. one transaction: processing -> completed (+ payment.completed) or failed (+ payment.failed); if the gateway
       gave no answer, processing -> pending so the customer can retry.

If the booking was cancelled while the charge was in flight (the consumer moved processing -> cancelled), a
successful charge is refunded at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from services.payment import events, store
from services.payment.gateway import Card, ChargeResult, GatewayError, PaymentGateway
from services.payment.resilience import BreakerState, CircuitBreaker
from services.payment.store import Payment

__all__ = [
    "GatewayDown",
    "HoldExpired",
    "IdempotencyKeyReused",
    "PaymentCancelled",
    "PaymentError",
    "PaymentGone",
    "PaymentService",
]

log = logging.getLogger("payment")


class PaymentError(Exception):
    """Root of the charge flow's errors; the API maps each to an HTTP error."""


class PaymentGone(PaymentError):
    """The payment disappeared between the authorization read and the claim."""


class HoldExpired(PaymentError):
    """The booking's hold deadline passed: the seats may already be someone else's."""


class PaymentCancelled(PaymentError):
    """The booking was cancelled or expired, and its payment with it."""


class IdempotencyKeyReused(PaymentError):
    """The client's Idempotency-Key already belongs to another payment."""


class GatewayDown(PaymentError):
    """No answer from the gateway (timeout, outage, circuit open); the payment is pending again."""

    def __init__(self, message: str, payment: Payment | None) -> None:
        super().__init__(message)
        self.payment = payment


@dataclass
class PaymentService:
    pool: asyncpg.Pool
    gateway: PaymentGateway
    gateway_name: str
    breaker: CircuitBreaker | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def pay(self, payment_id: str, card: Card, idempotency_key: str | None) -> Payment:
        claimed, is_new = await self._claim(payment_id, card, idempotency_key)
        if not is_new:
            return claimed
        try:
            result = await self.gateway.charge(claimed.amount, claimed.currency, card, idempotency_key=claimed.id)
        except GatewayError as exc:
            log.warning("charge got no answer", extra={"fields": {"payment_id": claimed.id, "code": exc.code}})
            async with store.acquire(self.pool) as conn, conn.transaction():
                reverted = await store.revert_to_pending(
                    conn, claimed.id, error_code="payment_gateway_unavailable", error_message=str(exc)
                )
            raise GatewayDown(str(exc), reverted) from exc
        return await self._settle(claimed, result)

    async def _claim(self, payment_id: str, card: Card, idempotency_key: str | None) -> tuple[Payment, bool]:
        async with store.acquire(self.pool) as conn, conn.transaction():
            current = await store.get(conn, payment_id, for_update=True)
            if current is None:
                raise PaymentGone(payment_id)
            if current.status == "cancelled":
                raise PaymentCancelled(current.cancel_reason or "cancelled")
            if current.status != "pending":
                return current, False
            if current.expires_at is not None and current.expires_at <= self.clock():
                raise HoldExpired(current.expires_at.isoformat())
            if self.breaker is not None and self.breaker.state is BreakerState.OPEN:
                # Fail before claiming: no processing -> pending round trip (and event) for a call that cannot
                # happen. Checked last, so a finished payment still answers with its state.
                raise GatewayDown("the payment gateway is unavailable; try again later", current)
            try:
                claimed = await store.mark_processing(
                    conn,
                    payment_id,
                    gateway=self.gateway_name,
                    card_last_four=card.last_four,
                    card_brand=card.brand,
                    idempotency_key=idempotency_key,
                )
            except asyncpg.UniqueViolationError:
                raise IdempotencyKeyReused(idempotency_key or "") from None
            assert claimed is not None  # the row is locked and was pending
            await events.emit(conn, events.PROCESSING, claimed)
            return claimed, True

    async def _settle(self, claimed: Payment, result: ChargeResult) -> Payment:
        async with store.acquire(self.pool) as conn, conn.transaction():
            current = await store.get(conn, claimed.id, for_update=True)
            if current is None:
                raise PaymentGone(claimed.id)
            if current.status == "processing":
                if result.succeeded:
                    settled = await store.mark_completed(conn, claimed.id, result)
                    event = events.COMPLETED
                else:
                    settled = await store.mark_failed(conn, claimed.id, result)
                    event = events.FAILED
                assert settled is not None
                await events.emit(conn, event, settled)
                return settled
        if result.succeeded and result.charge_id and current.status == "cancelled":
            return await self._refund_late_charge(current, result)
        return current

    async def _refund_late_charge(self, current: Payment, result: ChargeResult) -> Payment:
        assert result.charge_id is not None
        try:
            refund = await self.gateway.refund(result.charge_id, current.amount)
        except GatewayError:
            # The money stays charged on a cancelled payment; the gateway holds the charge under the payment id,
            # so reconciliation can find it. Nothing better can be done inside this request.
            log.exception(
                "refund of a charge that landed after cancellation failed", extra={"fields": {"id": current.id}}
            )
            return current
        async with store.acquire(self.pool) as conn, conn.transaction():
            refunded = await store.mark_refunded(
                conn, current.id, refund, reason="cancelled_during_charge", charge=result
            )
            if refunded is None:
                return current
            await events.emit(conn, events.REFUNDED, refunded)
            return refunded
