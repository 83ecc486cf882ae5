"""The shared pool's cheap release still never hands out a connection with someone's unfinished transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from services.shared.db import create_pool


async def test_a_connection_returned_mid_transaction_comes_back_rolled_back(
    fresh_database: Callable[[str], Awaitable[str]],
) -> None:
    pool = await create_pool(await fresh_database("booking_db"), min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("INSERT INTO processed_events (consumer, event_id) VALUES ('t', gen_random_uuid())")
            assert conn.is_in_transaction()
        async with pool.acquire() as conn:  # max_size=1: the same connection
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT count(*) FROM processed_events") == 0
    finally:
        await pool.close()
