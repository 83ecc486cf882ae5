"""Helpers for payment-service tests: booking events, the inbox discipline of the consumer runner, a harness
around the in-process app, and a gateway that fails on purpose (a test double of the GATEWAY only)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from services.payment import store
from services.payment.consumer import CONSUMER_NAME, PaymentSaga
from services.payment.gateway import Card, ChargeResult, GatewayUnavailable, RefundResult, SimulatedGateway
from services.shared.envelope import EventEnvelope
from tests.support.tokens import TokenMinter

SUCCESS = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT = "4000000000009995"
DELAYED = "4000000000000259"
CVC = "737"


def card_body(number: str = SUCCESS, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"card_number": number, "exp_month": 12, "exp_year": datetime.now(UTC).year + 2, "cvc": CVC}
    body.update(overrides)
    return body


def booking_event(
    event_type: str,
    *,
    booking_id: str,
    user_id: str,
    tenant_id: str,
    total_amount: str = "1500.00",
    expires_at: datetime | None = None,
    status: str = "reserved",
) -> EventEnvelope:
    """A booking event with exactly the data fields booking-service produces."""
    now = datetime.now(UTC)
    data = {
        "booking_id": booking_id,
        "tenant_id": tenant_id,
        "user_id": user_id,
        "event_id": str(uuid.uuid4()),
        "show_id": str(uuid.uuid4()),
        "zone_id": str(uuid.uuid4()),
        "quantity": 2,
        "unit_price": str(Decimal(total_amount) / 2),
        "total_amount": total_amount,
        "currency": "THB",
        "status": status,
        "previous_status": None if status == "reserved" else "reserved",
        "reserved_at": now.isoformat(),
        "expires_at": (expires_at or now + timedelta(minutes=10)).isoformat(),
        "payment_id": None,
        "idempotency_key": uuid.uuid4().hex,
    }
    return EventEnvelope(
        type=event_type,
        source="booking-service",
        aggregate_type="booking",
        aggregate_id=booking_id,
        data=data,
        tenant_id=tenant_id,
    )


async def deliver(pool: asyncpg.Pool, saga: PaymentSaga, envelope: EventEnvelope) -> bool:
    """What the generic runner does per message: inbox row and handler in one transaction, handler only if new."""
    handler = saga.handlers().get(envelope.type)
    async with store.acquire(pool) as conn, conn.transaction():
        new = await conn.fetchval(
            """INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2)
               ON CONFLICT DO NOTHING RETURNING true""",
            CONSUMER_NAME,
            envelope.id,
        )
        if new and handler is not None:
            await handler(conn, envelope)
    return bool(new)


@dataclass
class Harness:
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    saga: PaymentSaga
    gateway: SimulatedGateway
    minter: TokenMinter
    tenant_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def auth(
        self, *, user_id: str | None = None, tenant_id: str | None = None, role: str = "customer"
    ) -> dict[str, str]:
        token = self.minter.mint(user_id=user_id or self.user_id, tenant_id=tenant_id or self.tenant_id, role=role)
        return {"Authorization": f"Bearer {token}"}

    async def reserve(self, **kwargs: Any) -> tuple[str, str]:
        """Deliver booking.reserved; returns (payment id, booking id)."""
        booking_id = str(uuid.uuid4())
        event = booking_event(
            "booking.reserved", booking_id=booking_id, user_id=self.user_id, tenant_id=self.tenant_id, **kwargs
        )
        assert await deliver(self.pool, self.saga, event)
        payment_id = await self.pool.fetchval("SELECT id::text FROM payments WHERE booking_id = $1", booking_id)
        assert payment_id is not None
        return str(payment_id), booking_id

    async def pay(self, payment_id: str, number: str = SUCCESS, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers") if "headers" in kwargs else self.auth()
        return await self.client.post(
            f"/api/v1/payments/{payment_id}/pay", json=card_body(number, **kwargs), headers=headers
        )

    async def outbox(self, payment_id: str) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(
            "SELECT payload FROM outbox WHERE aggregate_id = $1 ORDER BY created_at, id", payment_id
        )
        return [dict(row["payload"]) for row in rows]

    async def event_types(self, payment_id: str) -> list[str]:
        return [payload["type"] for payload in await self.outbox(payment_id)]


class FlakyGateway:
    """A gateway that is down on purpose: the next ``failures`` calls raise GatewayUnavailable (or hang for
    ``hang_s`` seconds), then it behaves like the simulator."""

    def __init__(self, failures: int = 0, hang_s: float = 0.0) -> None:
        self.failures = failures
        self.hang_s = hang_s
        self.calls = 0
        self.inner = SimulatedGateway(processing_delay_s=0.0)

    async def _maybe_fail(self) -> None:
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            if self.hang_s:
                await asyncio.sleep(self.hang_s)
            raise GatewayUnavailable("simulated outage: 503 from the gateway")

    async def charge(self, amount: Decimal, currency: str, card: Card, idempotency_key: str) -> ChargeResult:
        await self._maybe_fail()
        return await self.inner.charge(amount, currency, card, idempotency_key)

    async def refund(self, charge_id: str, amount: Decimal) -> RefundResult:
        await self._maybe_fail()
        return await self.inner.refund(charge_id, amount)
