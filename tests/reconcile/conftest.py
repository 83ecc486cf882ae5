"""Fixtures: fresh ticket_db + booking_db, the shared Redis under a random key prefix (deleted afterwards)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from engine import InventoryEngine, connect
from services.shared.db import create_pool
from tests.reconcile.support import Rig


@pytest.fixture
async def rig(fresh_database: Callable[[str], Awaitable[str]], redis_url: str, key_prefix: str) -> AsyncIterator[Rig]:
    ticket_dsn, booking_dsn = await fresh_database("ticket_db"), await fresh_database("booking_db")
    redis = connect(redis_url, max_connections=32)
    ticket = await create_pool(ticket_dsn, min_size=1, max_size=4)
    booking = await create_pool(booking_dsn, min_size=1, max_size=8)
    environ = {
        "BR_REDIS_URL": redis_url,
        "BR_ENGINE_KEY_PREFIX": key_prefix,
        "BR_TICKET_DB_DSN": ticket_dsn,
        "BR_BOOKING_DB_DSN": booking_dsn,
    }
    try:
        yield Rig(InventoryEngine(redis, key_prefix=key_prefix), ticket, booking, environ)
    finally:
        await ticket.close()
        await booking.close()
        keys = [key async for key in redis.scan_iter(match=f"{key_prefix}:*", count=1000)]
        for key in keys:
            await redis.unlink(key)
        await redis.aclose()
