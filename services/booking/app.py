"""create_app(settings): the booking-service Starlette app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request

from engine import InventoryEngine, connect
from services.booking.catalog import Catalog
from services.booking.context import BookingContext, ctx
from services.booking.group_commit import GroupCommitWriter
from services.booking.reserve import Reserver
from services.booking.routes import OPERATIONS
from services.booking.settings import Settings
from services.booking.ticket_client import TicketClient
from services.shared.db import create_pool
from services.shared.settings import SettingsError
from services.shared.tokens import TokenVerifier
from services.shared.web import create_service_app

__all__ = ["SERVICE", "create_app"]

SERVICE = "booking-service"
VERSION = "1.0.0"


def create_app(settings: Settings, *, ticket_transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """``ticket_transport``: how to reach ticket-service (tests pass an in-process ASGI transport)."""
    if settings.jwt_public_key_pem is None:
        raise SettingsError("BR_JWT_PUBLIC_KEY or BR_JWT_PUBLIC_KEY_FILE is required to serve HTTP")
    verifier = TokenVerifier(settings.jwt_public_key_pem, issuer=settings.jwt_issuer, audience=settings.jwt_audience)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(settings.database_dsn.reveal(), min_size=settings.db_pool_min,
                                 max_size=settings.db_pool_max)  # fmt: skip
        redis = connect(settings.redis_url.reveal(), max_connections=settings.redis_max_connections)
        ticket = TicketClient(settings.ticket_url, timeout_s=settings.ticket_timeout_s, transport=ticket_transport)
        engine = InventoryEngine(redis, key_prefix=settings.engine_key_prefix)
        catalog = Catalog(ticket, ttl_s=settings.catalog_ttl_s)
        writer = GroupCommitWriter(pool, settings.group_commit_max)
        reserver = Reserver(pool=pool, engine=engine, catalog=catalog, writer=writer, hold_ttl_ms=settings.hold_ttl_ms)
        app.state.ctx = BookingContext(settings, pool, redis, engine, ticket, catalog, writer, reserver)
        try:
            yield
        finally:
            await writer.close()
            await catalog.close()
            await ticket.aclose()
            await redis.aclose()
            await pool.close()

    async def readiness(request: Request) -> dict[str, str]:
        context = ctx(request)
        await context.pool.fetchval("SELECT 1")
        await context.redis.ping()
        return {"database": "ok", "redis": "ok"}

    app = create_service_app(
        service=SERVICE,
        version=VERSION,
        operations=OPERATIONS,
        lifespan=lifespan,
        readiness=readiness,
        description="Seat reservations for flash sales: hold, pay, confirm. See docs/booking.md.",
    )
    app.state.token_verifier = verifier
    return app
