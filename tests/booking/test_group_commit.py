"""GroupCommitWriter on real PostgreSQL: coalescing, the batch bound, duplicates that do not sink a batch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal

import asyncpg
import pytest

from services.booking.group_commit import GroupCommitWriter
from services.booking.store import NewBooking
from services.shared.db import create_pool
from tests.booking.support import count, new_id


def _booking(key: str | None = None) -> NewBooking:
    now = datetime.now(UTC)
    return NewBooking(
        id=new_id(), tenant_id=new_id(), user_id=new_id(), event_id=new_id(), show_id=new_id(), zone_id=new_id(),
        event_name="E", show_date=now.date(), show_time=time(19, 30, tzinfo=timezone(timedelta(hours=7))),
        zone_name="Z", venue_name=None, quantity=2, unit_price=Decimal("10.50"), total_amount=Decimal("21.00"),
        currency="THB", idempotency_key=key or new_id(), request_hash="0" * 64, confirmation_code="ABCDEFGH",
        reserved_at=now, reservation_expires_at=now + timedelta(minutes=10),
    )  # fmt: skip


@pytest.fixture
async def pool(booking_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(booking_dsn, min_size=1, max_size=4)
    yield pool
    await pool.close()


async def test_concurrent_submits_share_transactions(pool: asyncpg.Pool, booking_dsn: str) -> None:
    writer = GroupCommitWriter(pool, max_batch=8)
    rows = await asyncio.gather(*(writer.submit(_booking()) for _ in range(30)))
    assert all(row is not None and row["status"] == "reserved" for row in rows)
    assert writer.stats.transactions < 30 and 1 < writer.stats.largest <= 8
    assert await count(booking_dsn, "bookings") == 30 and await count(booking_dsn, "outbox") == 30
    lone = await writer.submit(_booking())  # idle again: a lone booking goes out in its own transaction
    assert lone is not None and writer.stats.largest <= 8


async def test_duplicate_key_is_skipped_without_failing_the_batch(pool: asyncpg.Pool, booking_dsn: str) -> None:
    writer = GroupCommitWriter(pool)
    results = await asyncio.gather(
        writer.submit(_booking("dup")), writer.submit(_booking("dup")), writer.submit(_booking())
    )
    assert results[0] is not None and results[1] is None and results[2] is not None
    assert writer.stats.transactions == 1
    assert await count(booking_dsn, "bookings") == 2 and await count(booking_dsn, "outbox") == 2


async def test_a_failed_transaction_fails_every_caller_in_it(pool: asyncpg.Pool, booking_dsn: str) -> None:
    writer = GroupCommitWriter(pool)
    bad = replace(_booking(), quantity=0)  # violates bookings' CHECK (quantity > 0)
    results = await asyncio.gather(writer.submit(_booking()), writer.submit(bad), return_exceptions=True)
    assert all(isinstance(r, asyncpg.CheckViolationError) for r in results)
    assert writer.stats.failed_transactions == 1 and await count(booking_dsn, "bookings") == 0
