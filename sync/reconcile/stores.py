"""Connections the reconcile and rebuild jobs need, from the same environment as the services."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import asyncpg

from engine import InventoryEngine, connect
from services.shared.db import create_pool
from services.shared.settings import DEFAULT_DSNS, DEFAULT_REDIS_URL, env_str

__all__ = ["Stores", "open_stores"]


@dataclass(frozen=True, slots=True)
class Stores:
    engine: InventoryEngine
    ticket_pool: asyncpg.Pool
    booking_pool: asyncpg.Pool


@contextlib.asynccontextmanager
async def open_stores(environ: Mapping[str, str], *, redis_connections: int = 32) -> AsyncIterator[Stores]:
    """Redis (engine) + ticket_db + booking_db pools. Raises OSError / asyncpg / redis errors if one is down."""
    redis = connect(env_str(environ, "BR_REDIS_URL", DEFAULT_REDIS_URL), max_connections=redis_connections)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(redis.aclose)
        await redis.ping()  # fail fast, with the error naming Redis, before any database work
        engine = InventoryEngine(redis, key_prefix=env_str(environ, "BR_ENGINE_KEY_PREFIX", "br"))
        ticket = await create_pool(
            env_str(environ, "BR_TICKET_DB_DSN", DEFAULT_DSNS["ticket_db"]), min_size=1, max_size=4
        )
        stack.push_async_callback(ticket.close)
        booking = await create_pool(
            env_str(environ, "BR_BOOKING_DB_DSN", DEFAULT_DSNS["booking_db"]), min_size=1, max_size=8
        )
        stack.push_async_callback(booking.close)
        yield Stores(engine, ticket, booking)
