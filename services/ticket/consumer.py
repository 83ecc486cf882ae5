"""ticket-service's consumer of booking.transactions, run by the generic runner in ``sync``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from services.shared.consuming import ConsumerDefinition
from services.shared.db import create_pool
from services.shared.topics import BOOKING_TRANSACTIONS
from services.ticket.inventory import HANDLERS
from services.ticket.settings import Settings

__all__ = ["CONSUMER_NAME", "open_consumer"]

CONSUMER_NAME = "ticket-inventory"


@asynccontextmanager
async def open_consumer(environ: Mapping[str, str]) -> AsyncIterator[ConsumerDefinition]:
    """Only a database pool: the handlers mirror counters in ticket_db; Redis was already moved by booking."""
    settings = Settings.from_env(environ, require_jwt=False)
    pool = await create_pool(settings.database_dsn.reveal(), min_size=1, max_size=settings.db_pool_max)
    try:
        yield ConsumerDefinition(name=CONSUMER_NAME, topics=(BOOKING_TRANSACTIONS,), pool=pool, handlers=HANDLERS)
    finally:
        await pool.close()
