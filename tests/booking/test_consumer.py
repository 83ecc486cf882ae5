"""booking-saga (payment.completed / payment.failed) and mark_expired, on real PostgreSQL and Redis."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from engine import InventoryEngine
from services.booking.consumer import PaymentSaga, open_consumer
from services.booking.expiry import mark_expired
from services.booking.store import transaction
from services.shared.consuming import ConsumerDefinition
from services.shared.envelope import EventEnvelope
from services.shared.topics import PAYMENT_TRANSACTIONS
from tests.booking.conftest import Api
from tests.booking.support import Sale, count, new_id, outbox_events
from tests.support.tokens import KeyPair

URL = "/api/v1/bookings"


async def _book(api: Api, sale: Sale, quantity: int = 2) -> dict[str, Any]:
    headers = {**api.auth(new_id(), sale.tenant_id), "Idempotency-Key": new_id()}
    response = await api.http.post(URL, json=sale.body(quantity), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _payment(event_type: str, booking_id: str, **extra: Any) -> EventEnvelope:
    payment_id = extra.pop("payment_id", new_id())
    data = {"payment_id": payment_id, "booking_id": booking_id, "amount": "3000.00", "currency": "THB", **extra}
    return EventEnvelope(event_type, "payment-service", "payment", payment_id, data)


async def _deliver(definition: ConsumerDefinition, envelope: EventEnvelope) -> bool:
    """What the runner does: inbox row + handler in one transaction. False: a duplicate, not handled."""
    async with transaction(definition.pool) as conn:
        new = await conn.fetchval(
            "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
            definition.name,
            envelope.id,
        )
        if new:
            await definition.handlers[envelope.type](conn, envelope)
    return bool(new)


async def _status(dsn: str, booking_id: str) -> asyncpg.Record:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow("SELECT * FROM bookings WHERE id = $1", booking_id)
        assert row is not None
        return row
    finally:
        await conn.close()


async def test_open_consumer_and_payment_completed_confirms_once(
    api: Api, sale: Sale, engine: InventoryEngine, booking_dsn: str, redis_url: str, key_prefix: str, jwt_keys: KeyPair
) -> None:
    booking = await _book(api, sale)
    environ = {"BR_BOOKING_DB_DSN": booking_dsn, "BR_REDIS_URL": redis_url, "BR_ENGINE_KEY_PREFIX": key_prefix}
    async with open_consumer(environ) as definition:
        assert (definition.name, definition.topics) == ("booking-saga", (PAYMENT_TRANSACTIONS,))
        assert set(definition.handlers) == {"payment.completed", "payment.failed"}
        completed = _payment("payment.completed", booking["id"])
        assert await _deliver(definition, completed)
        assert not await _deliver(definition, completed)  # the inbox drops the duplicate
        # Even re-running the handler itself (a retried transaction) changes nothing.
        async with transaction(definition.pool) as conn:
            await definition.handlers["payment.completed"](conn, completed)
    row = await _status(booking_dsn, booking["id"])
    assert row["status"] == "confirmed" and str(row["payment_id"]) == completed.data["payment_id"]
    assert row["confirmed_at"] is not None
    snapshot = (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id]
    assert (snapshot.reserved, snapshot.sold) == (0, 2)
    [event] = await outbox_events(booking_dsn, "booking.confirmed")
    assert event["data"]["status"] == "confirmed" and event["data"]["previous_status"] == "reserved"
    assert event["data"]["payment_id"] == completed.data["payment_id"]


async def test_payment_failed_cancels_and_gives_seats_back(
    api: Api, sale: Sale, engine: InventoryEngine, booking_dsn: str
) -> None:
    booking = await _book(api, sale, quantity=3)
    saga = PaymentSaga(engine)
    failed = _payment("payment.failed", booking["id"], error_code="card_declined", error_message="declined")
    for _ in range(2):  # a re-run is harmless
        async with transaction(api.ctx.pool) as conn:
            await saga.on_failed(conn, failed)
    row = await _status(booking_dsn, booking["id"])
    assert (row["status"], row["status_reason"]) == ("cancelled", "card_declined")
    snapshot = (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id]
    assert (snapshot.available, snapshot.reserved) == (10, 0)
    [event] = await outbox_events(booking_dsn, "booking.cancelled")
    assert event["data"]["previous_status"] == "reserved"
    # A late payment.completed for the cancelled booking sells nothing.
    async with transaction(api.ctx.pool) as conn:
        await saga.on_completed(conn, _payment("payment.completed", booking["id"]))
    assert (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id].sold == 0
    assert (await _status(booking_dsn, booking["id"]))["status"] == "cancelled"


async def test_payment_after_expiry_does_not_sell(
    api: Api, sale: Sale, engine: InventoryEngine, booking_dsn: str
) -> None:
    booking = await _book(api, sale)
    deadline_ms = int(datetime.fromisoformat(booking["expires_at"]).timestamp() * 1000)
    saga = PaymentSaga(engine, clock=lambda: deadline_ms + 1)
    late = _payment("payment.completed", booking["id"])
    async with transaction(api.ctx.pool) as conn:
        await saga.on_completed(conn, late)
    snapshot = (await engine.snapshot_show(sale.event_id, sale.show_id))[sale.zone_id]
    assert (snapshot.available, snapshot.reserved, snapshot.sold) == (10, 0, 0)
    row = await _status(booking_dsn, booking["id"])
    assert (row["status"], row["status_reason"], row["payment_id"]) == ("expired", "payment_after_expiry", None)
    assert await outbox_events(booking_dsn, "booking.confirmed") == []
    [event] = await outbox_events(booking_dsn, "booking.expired")
    assert event["data"]["payment_id"] == late.data["payment_id"]  # so payment-service refunds it


async def test_malformed_and_unknown_payment_events_are_ignored(api: Api, engine: InventoryEngine) -> None:
    saga = PaymentSaga(engine)
    async with transaction(api.ctx.pool) as conn:
        await saga.on_completed(conn, _payment("payment.completed", "not-a-uuid"))
        await saga.on_completed(conn, _payment("payment.completed", new_id()))
        await saga.on_failed(conn, _payment("payment.failed", new_id()))
        await saga.on_completed(conn, _payment("payment.completed", new_id(), payment_id="nope"))


async def test_mark_expired_marks_only_reserved_bookings(
    api: Api, sale: Sale, engine: InventoryEngine, booking_dsn: str
) -> None:
    first, second, paid = await _book(api, sale, 1), await _book(api, sale, 1), await _book(api, sale, 1)
    async with transaction(api.ctx.pool) as conn:
        await PaymentSaga(engine).on_completed(conn, _payment("payment.completed", paid["id"]))
    expires_ms = int(datetime.fromisoformat(first["expires_at"]).timestamp() * 1000)
    expired = await engine.expire_due(sale.event_id, now_ms=expires_ms + 60_000)
    assert {hold.hold_id for hold in expired} == {first["id"], second["id"]}
    async with api.ctx.pool.acquire() as conn:
        changed = await mark_expired(conn, expired)  # type: ignore[arg-type]
        assert {str(row["id"]) for row in changed} == {first["id"], second["id"]}
        assert await mark_expired(conn, expired) == []  # type: ignore[arg-type]
    assert (await _status(booking_dsn, first["id"]))["status"] == "expired"
    assert (await _status(booking_dsn, paid["id"]))["status"] == "confirmed"
    events = await outbox_events(booking_dsn, "booking.expired")
    assert sorted(e["data"]["booking_id"] for e in events) == sorted([first["id"], second["id"]])
    assert all(e["data"]["status"] == "expired" and e["data"]["previous_status"] == "reserved" for e in events)
    assert await count(booking_dsn, "outbox") == 3 + 1 + 2
