"""ticket-service application: declared operations, lifespan (asyncpg pool + Redis inventory engine), readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request

from engine import InventoryEngine, connect
from services.shared.db import create_pool
from services.shared.settings import SettingsError
from services.shared.tokens import TokenVerifier
from services.shared.web import create_service_app
from services.ticket.availability_cache import AvailabilityCache
from services.ticket.context import TicketContext, ctx
from services.ticket.routes import OPERATIONS
from services.ticket.settings import Settings

__all__ = ["SERVICE", "create_app"]

SERVICE = "ticket-service"
VERSION = "1.0.0"


async def _readiness(request: Request) -> dict[str, str]:
    context = ctx(request)
    await context.pool.fetchval("SELECT 1")
    await context.redis.ping()
    return {"database": "ok", "redis": "ok"}


def create_app(settings: Settings) -> Starlette:
    if settings.jwt_public_key_pem is None:
        raise SettingsError("BR_JWT_PUBLIC_KEY or BR_JWT_PUBLIC_KEY_FILE is required to serve the API")
    verifier = TokenVerifier(settings.jwt_public_key_pem, issuer=settings.jwt_issuer, audience=settings.jwt_audience)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(
            settings.database_dsn.reveal(), min_size=settings.db_pool_min, max_size=settings.db_pool_max
        )
        redis = connect(settings.redis_url.reveal(), max_connections=settings.redis_max_connections)
        try:
            engine = InventoryEngine(redis, key_prefix=settings.engine_key_prefix)
            cache = AvailabilityCache(settings.availability_cache_s)
            app.state.ctx = TicketContext(settings, pool, redis, engine, cache)
            yield
        finally:
            await redis.aclose()
            # A client built on an explicit pool does not close that pool itself.
            await redis.connection_pool.disconnect()
            await pool.close()

    app = create_service_app(
        service=SERVICE,
        version=VERSION,
        operations=OPERATIONS,
        lifespan=lifespan,
        readiness=_readiness,
        description="Event catalog, publishing into the Redis inventory engine, live availability.",
    )
    app.state.token_verifier = verifier
    return app
