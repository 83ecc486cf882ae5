"""The booking.transactions handlers, called directly inside a transaction (as the runner does)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from services.shared.envelope import EventEnvelope
from services.shared.topics import BOOKING_TRANSACTIONS
from services.ticket.consumer import CONSUMER_NAME, open_consumer
from services.ticket.inventory import HANDLERS, InventoryEventError
from tests.support.tokens import KeyPair
from tests.ticket.conftest import Tenant, ticket_env
from tests.ticket.support import build_catalog, outbox


def booking(kind: str, tenant_id: str, zone_id: str, show_id: str, quantity: int, previous: str | None = None,
            booking_id: str | None = None) -> EventEnvelope:  # fmt: skip
    bid = booking_id or str(uuid.uuid4())
    data: dict[str, Any] = {
        "booking_id": bid, "tenant_id": tenant_id, "user_id": str(uuid.uuid4()), "event_id": str(uuid.uuid4()),
        "show_id": show_id, "zone_id": zone_id, "quantity": quantity, "unit_price": "100.00",
        "total_amount": f"{100 * quantity}.00", "currency": "THB", "status": kind.split(".")[1],
        "previous_status": previous, "reserved_at": "2026-06-01T00:00:00+00:00",
        "expires_at": "2026-06-01T00:10:00+00:00", "payment_id": None, "idempotency_key": bid,
    }  # fmt: skip
    return EventEnvelope(kind, "booking-service", "booking", bid, data, tenant_id)


async def apply(conn: asyncpg.Connection, envelope: EventEnvelope) -> None:
    async with conn.transaction():
        await HANDLERS[envelope.type](conn, envelope)


async def counts(conn: asyncpg.Connection, zone_id: str, show_id: str) -> tuple[int, ...]:
    row = await conn.fetchrow(
        """SELECT z.available_seats, z.reserved_seats, z.sold_seats, s.reserved_count, s.sold_count
           FROM seat_zones z JOIN shows s ON s.id = z.show_id WHERE z.id = $1 AND s.id = $2""",
        zone_id,
        show_id,
    )
    assert row is not None
    return tuple(row.values())


@pytest.fixture
async def zone(client: httpx.AsyncClient, make_tenant: Callable[[], Tenant]) -> AsyncIterator[tuple[str, str, str]]:
    tenant = make_tenant()
    cat = await build_catalog(client, tenant.organizer, zones=1, publish=True)  # Zone 0: 10 seats
    yield tenant.id, cat.zone_ids[0], cat.show_id


async def test_lifecycle_moves_counts(db: asyncpg.Connection, zone: tuple[str, str, str]) -> None:
    tid, zid, sid = zone
    first = str(uuid.uuid4())
    await apply(db, booking("booking.reserved", tid, zid, sid, 3, booking_id=first))
    assert await counts(db, zid, sid) == (7, 3, 0, 3, 0)
    await apply(db, booking("booking.confirmed", tid, zid, sid, 3, "reserved", booking_id=first))
    assert await counts(db, zid, sid) == (7, 0, 3, 0, 3)
    await apply(db, booking("booking.reserved", tid, zid, sid, 2))
    await apply(db, booking("booking.expired", tid, zid, sid, 2, "reserved"))
    assert await counts(db, zid, sid) == (7, 0, 3, 0, 3)
    await apply(db, booking("booking.reserved", tid, zid, sid, 1))
    await apply(db, booking("booking.cancelled", tid, zid, sid, 1, None))
    assert await counts(db, zid, sid) == (7, 0, 3, 0, 3)
    await apply(db, booking("booking.cancelled", tid, zid, sid, 3, "confirmed", booking_id=first))  # refund
    assert await counts(db, zid, sid) == (10, 0, 0, 0, 0)
    updates = await outbox(db, "zone.inventory.updated")
    assert len(updates) == 7
    last = updates[-1]
    assert last["topic"] == "ticket.inventory" and last["partition_key"] == zid
    assert last["payload"]["data"]["available_seats"] == 10
    assert last["payload"]["data"]["cause"]["type"] == "booking.cancelled"


async def test_sold_out_is_emitted_once_when_available_hits_zero(
    db: asyncpg.Connection, zone: tuple[str, str, str]
) -> None:
    tid, zid, sid = zone
    await apply(db, booking("booking.reserved", tid, zid, sid, 6))
    assert await outbox(db, "zone.sold_out") == []
    await apply(db, booking("booking.reserved", tid, zid, sid, 4))
    await apply(db, booking("booking.confirmed", tid, zid, sid, 4, "reserved"))
    (sold_out,) = await outbox(db, "zone.sold_out")
    assert sold_out["payload"]["data"]["available_seats"] == 0 and sold_out["partition_key"] == zid


async def test_impossible_events_raise_and_change_nothing(db: asyncpg.Connection, zone: tuple[str, str, str]) -> None:
    tid, zid, sid = zone
    before_outbox = len(await outbox(db))
    bad = [
        booking("booking.reserved", tid, zid, sid, 11),  # more than the zone has at all
        booking("booking.confirmed", tid, zid, sid, 1, "reserved"),  # nothing reserved
        booking("booking.cancelled", tid, zid, sid, 1, "confirmed"),  # nothing sold
        booking("booking.reserved", tid, str(uuid.uuid4()), sid, 1),  # unknown zone
        booking("booking.reserved", str(uuid.uuid4()), zid, sid, 1),  # another tenant's zone
        booking("booking.reserved", tid, zid, sid, 0),  # not a positive quantity
        booking("booking.reserved", tid, "not-a-uuid", sid, 1),
    ]
    for envelope in bad:
        with pytest.raises(InventoryEventError):
            await apply(db, envelope)
    assert await counts(db, zid, sid) == (10, 0, 0, 0, 0)
    assert len(await outbox(db)) == before_outbox


async def test_open_consumer_defines_the_runner_contract(
    ticket_dsn: str, redis_url: str, key_prefix: str, jwt_keys: KeyPair, zone: tuple[str, str, str]
) -> None:
    env = ticket_env(ticket_dsn, redis_url, key_prefix, jwt_keys)
    del env["BR_JWT_PUBLIC_KEY"]  # the consumer verifies no tokens
    async with open_consumer(env) as definition:
        assert definition.name == CONSUMER_NAME == "ticket-inventory"
        assert definition.topics == (BOOKING_TRANSACTIONS,)
        assert set(definition.handlers) == {"booking.reserved", "booking.confirmed", "booking.cancelled",
                                            "booking.expired"}  # fmt: skip
        # what the runner does: inbox row + handler on one connection, in one transaction
        tid, zid, sid = zone
        envelope = booking("booking.reserved", tid, zid, sid, 2)
        async with definition.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2)", definition.name, envelope.id
            )
            await definition.handlers[envelope.type](conn, envelope)  # type: ignore[arg-type]
        async with definition.pool.acquire() as conn:
            assert (await counts(conn, zid, sid))[:2] == (8, 2)  # type: ignore[arg-type]


async def test_a_reservation_overtaking_the_release_that_made_room_waits_then_applies(
    db: asyncpg.Connection, zone: tuple[str, str, str]
) -> None:
    """Booking A holds all 10 seats and is cancelled; booking B then gets them in Redis. Keyed by booking, B's
    reservation can reach ticket_db before A's cancellation: it waits instead of breaking the CHECKs."""
    tid, zid, sid = zone
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    await apply(db, booking("booking.reserved", tid, zid, sid, 10, booking_id=a))
    await apply(db, booking("booking.reserved", tid, zid, sid, 6, booking_id=b))  # overtook A's cancel
    assert await counts(db, zid, sid) == (0, 10, 0, 10, 0)
    assert await db.fetchval("SELECT count(*) FROM deferred_holds WHERE zone_id = $1", zid) == 1
    await apply(db, booking("booking.cancelled", tid, zid, sid, 10, "reserved", booking_id=a))
    assert await counts(db, zid, sid) == (4, 6, 0, 6, 0)  # A released, then B applied
    assert await db.fetchval("SELECT count(*) FROM deferred_holds") == 0
    await apply(db, booking("booking.confirmed", tid, zid, sid, 6, "reserved", booking_id=b))
    assert await counts(db, zid, sid) == (4, 0, 6, 0, 6)


async def test_a_deferred_booking_can_be_confirmed_or_dropped_before_it_applies(
    db: asyncpg.Connection, zone: tuple[str, str, str]
) -> None:
    tid, zid, sid = zone
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    await apply(db, booking("booking.reserved", tid, zid, sid, 9, booking_id=a))
    await apply(db, booking("booking.reserved", tid, zid, sid, 5, booking_id=b))  # deferred
    await apply(db, booking("booking.confirmed", tid, zid, sid, 5, "reserved", booking_id=b))  # still deferred
    await apply(db, booking("booking.reserved", tid, zid, sid, 4, booking_id=c))  # deferred
    await apply(db, booking("booking.expired", tid, zid, sid, 4, "reserved", booking_id=c))  # dropped: never counted
    assert await counts(db, zid, sid) == (1, 9, 0, 9, 0)
    await apply(db, booking("booking.expired", tid, zid, sid, 9, "reserved", booking_id=a))
    assert await counts(db, zid, sid) == (5, 0, 5, 0, 5)  # B applied straight into sold
    assert await db.fetchval("SELECT count(*) FROM deferred_holds") == 0
