"""The one typed object the lifespan stores on ``app.state.ctx``."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from redis.asyncio import Redis
from starlette.requests import Request

from engine import InventoryEngine
from services.booking.catalog import Catalog
from services.booking.group_commit import GroupCommitWriter
from services.booking.reserve import Reserver
from services.booking.settings import Settings
from services.booking.ticket_client import TicketClient

__all__ = ["BookingContext", "ctx"]


@dataclass(frozen=True, slots=True)
class BookingContext:
    settings: Settings
    pool: asyncpg.Pool
    redis: Redis
    engine: InventoryEngine
    ticket: TicketClient
    catalog: Catalog
    writer: GroupCommitWriter
    reserver: Reserver


def ctx(request: Request) -> BookingContext:
    context: BookingContext = request.app.state.ctx
    return context
