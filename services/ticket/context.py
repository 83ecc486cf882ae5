"""The one typed object the lifespan stores on ``app.state.ctx``."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from redis.asyncio import Redis
from starlette.requests import Request

from engine import InventoryEngine
from services.ticket.availability_cache import AvailabilityCache
from services.ticket.settings import Settings

__all__ = ["TicketContext", "ctx"]


@dataclass(frozen=True, slots=True)
class TicketContext:
    settings: Settings
    pool: asyncpg.Pool
    redis: Redis
    engine: InventoryEngine
    availability: AvailabilityCache


def ctx(request: Request) -> TicketContext:
    context: TicketContext = request.app.state.ctx
    return context
