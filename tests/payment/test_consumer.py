"""The saga consumer's handlers on real PostgreSQL, called the way the runner calls them (inbox discipline)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.payment import store
from services.payment.consumer import CONSUMER_NAME, open_consumer
from services.shared.topics import BOOKING_TRANSACTIONS, PAYMENT_TRANSACTIONS
from tests.payment.support import Harness, booking_event, deliver


async def test_reserved_creates_one_pending_payment_and_initiated_event(harness: Harness) -> None:
    booking_id = str(uuid.uuid4())
    expires = datetime.now(UTC) + timedelta(minutes=7)
    event = booking_event(
        "booking.reserved", booking_id=booking_id, user_id=harness.user_id, tenant_id=harness.tenant_id,
        total_amount="2400.50", expires_at=expires,
    )  # fmt: skip
    assert await deliver(harness.pool, harness.saga, event)

    row = await harness.pool.fetchrow("SELECT * FROM payments WHERE booking_id = $1", booking_id)
    assert row is not None
    assert row["status"] == "pending"
    assert row["amount"] == Decimal("2400.50")
    assert (row["currency"], row["method"], str(row["user_id"])) == ("THB", "card", harness.user_id)
    assert row["metadata"]["tenant_id"] == harness.tenant_id
    assert row["metadata"]["event_id"] == event.data["event_id"]
    assert datetime.fromisoformat(row["metadata"]["expires_at"]) == expires

    outbox = await harness.pool.fetch("SELECT * FROM outbox")
    assert len(outbox) == 1
    assert outbox[0]["topic"] == PAYMENT_TRANSACTIONS
    assert str(outbox[0]["aggregate_id"]) == str(row["id"])
    payload = outbox[0]["payload"]
    assert payload["type"] == "payment.initiated"
    assert payload["aggregatetype"] == "payment"
    assert payload["tenantid"] == harness.tenant_id
    assert payload["data"] | {"occurred_at": None} == {
        "payment_id": str(row["id"]),
        "booking_id": booking_id,
        "tenant_id": harness.tenant_id,
        "user_id": harness.user_id,
        "amount": "2400.50",
        "currency": "THB",
        "status": "pending",
        "expires_at": expires.isoformat(),
        "occurred_at": None,
    }


async def test_replayed_event_is_a_no_op(harness: Harness) -> None:
    booking_id = str(uuid.uuid4())
    event = booking_event(
        "booking.reserved", booking_id=booking_id, user_id=harness.user_id, tenant_id=harness.tenant_id
    )
    assert await deliver(harness.pool, harness.saga, event)
    assert not await deliver(harness.pool, harness.saga, event)  # same event id: the inbox stops it
    # A re-published copy with a new event id: booking_id UNIQUE makes the handler itself idempotent.
    copy = booking_event(
        "booking.reserved", booking_id=booking_id, user_id=harness.user_id, tenant_id=harness.tenant_id
    )
    assert await deliver(harness.pool, harness.saga, copy)

    assert await harness.pool.fetchval("SELECT count(*) FROM payments") == 1
    assert await harness.pool.fetchval("SELECT count(*) FROM outbox") == 1
    assert await harness.pool.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1", CONSUMER_NAME) == 2


async def test_malformed_reserved_event_is_skipped(harness: Harness) -> None:
    event = booking_event(
        "booking.reserved", booking_id=str(uuid.uuid4()), user_id=harness.user_id, tenant_id=harness.tenant_id
    )
    event.data["total_amount"] = "a lot"
    assert await deliver(harness.pool, harness.saga, event)
    assert await harness.pool.fetchval("SELECT count(*) FROM payments") == 0


async def test_cancelled_booking_cancels_pending_payment_without_event(harness: Harness) -> None:
    payment_id, booking_id = await harness.reserve()
    cancel = booking_event(
        "booking.cancelled", booking_id=booking_id, user_id=harness.user_id, tenant_id=harness.tenant_id,
        status="cancelled",
    )  # fmt: skip
    assert await deliver(harness.pool, harness.saga, cancel)

    row = await harness.pool.fetchrow(
        "SELECT status, cancel_reason, cancelled_at FROM payments WHERE id = $1", payment_id
    )
    assert row is not None
    assert (row["status"], row["cancel_reason"]) == ("cancelled", "booking_cancelled")
    assert row["cancelled_at"] is not None
    assert await harness.event_types(payment_id) == ["payment.initiated"]

    response = await harness.pay(payment_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payment_cancelled"
    assert harness.gateway.charge_calls == 0


async def test_expired_booking_cancels_pending_payment(harness: Harness) -> None:
    payment_id, booking_id = await harness.reserve()
    expired = booking_event(
        "booking.expired", booking_id=booking_id, user_id=harness.user_id, tenant_id=harness.tenant_id,
        status="expired",
    )  # fmt: skip
    assert await deliver(harness.pool, harness.saga, expired)
    assert await harness.pool.fetchval("SELECT cancel_reason FROM payments WHERE id = $1", payment_id) == (
        "booking_expired"
    )


async def test_cancelled_booking_refunds_completed_payment(harness: Harness) -> None:
    payment_id, booking_id = await harness.reserve(total_amount="999.00")
    assert (await harness.pay(payment_id)).json()["status"] == "completed"

    cancel = booking_event(
        "booking.cancelled", booking_id=booking_id, user_id=harness.user_id, tenant_id=harness.tenant_id,
        status="cancelled",
    )  # fmt: skip
    assert await deliver(harness.pool, harness.saga, cancel)
    assert not await deliver(harness.pool, harness.saga, cancel)

    row = await harness.pool.fetchrow("SELECT * FROM payments WHERE id = $1", payment_id)
    assert row is not None
    assert row["status"] == "refunded"
    assert row["refund_amount"] == Decimal("999.00")
    assert row["refund_reason"] == "booking_cancelled"
    assert row["refunded_at"] is not None
    assert len(harness.gateway.refunds) == 1
    payloads = await harness.outbox(payment_id)
    assert [p["type"] for p in payloads] == [
        "payment.initiated",
        "payment.processing",
        "payment.completed",
        "payment.refunded",
    ]
    refunded = payloads[-1]["data"]
    assert (refunded["status"], refunded["refund_amount"], refunded["booking_id"]) == ("refunded", "999.00", booking_id)


async def test_cancellation_of_unknown_booking_is_ignored(harness: Harness) -> None:
    cancel = booking_event(
        "booking.cancelled", booking_id=str(uuid.uuid4()), user_id=harness.user_id, tenant_id=harness.tenant_id
    )
    assert await deliver(harness.pool, harness.saga, cancel)
    assert await harness.pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_open_consumer_yields_the_definition_the_runner_needs(
    fresh_database: Callable[[str], Awaitable[str]],
) -> None:
    dsn = await fresh_database("payment_db")
    async with open_consumer({"BR_PAYMENT_DB_DSN": dsn}) as definition:  # no JWT key: the consumer needs none
        assert (definition.name, definition.topics) == ("payment-saga", (BOOKING_TRANSACTIONS,))
        assert set(definition.handlers) == {"booking.reserved", "booking.cancelled", "booking.expired"}
        booking_id = str(uuid.uuid4())
        event = booking_event(
            "booking.reserved", booking_id=booking_id, user_id=str(uuid.uuid4()), tenant_id=str(uuid.uuid4())
        )
        async with store.acquire(definition.pool) as conn, conn.transaction():
            await definition.handlers["booking.reserved"](conn, event)
        assert await definition.pool.fetchval("SELECT status FROM payments WHERE booking_id = $1", booking_id) == (
            "pending"
        )
    assert definition.pool.is_closing()
