"""Fixtures for booking-service tests: a fresh booking_db, a private Redis prefix, an opened sale, the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import hypothesis  # noqa: F401  # imported up front: its pytest plugin's lazy import at session end crashes
import pytest  # (AST recursion-depth SystemError in CPython 3.11.7's compile under assertion rewriting)
from redis.asyncio import Redis
from starlette.applications import Starlette

from engine import InventoryEngine, connect
from services.booking.app import create_app
from services.booking.context import BookingContext
from services.booking.settings import Settings
from services.shared.settings import Secret
from tests.booking.support import Sale
from tests.support.asgi import running_app
from tests.support.tokens import KeyPair, TokenMinter


@pytest.fixture
async def redis(redis_url: str, key_prefix: str) -> AsyncIterator[Redis]:
    client = connect(redis_url, max_connections=32)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{key_prefix}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def engine(redis: Redis, key_prefix: str) -> InventoryEngine:
    return InventoryEngine(redis, key_prefix=key_prefix)


@pytest.fixture
async def booking_dsn(fresh_database: Callable[[str], Awaitable[str]]) -> str:
    return await fresh_database("booking_db")


@pytest.fixture
async def sale(engine: InventoryEngine) -> Sale:
    opened = Sale()
    await opened.open(engine)
    return opened


@pytest.fixture
def settings(booking_dsn: str, redis_url: str, key_prefix: str, jwt_keys: KeyPair) -> Settings:
    return Settings(
        database_dsn=Secret(booking_dsn),
        redis_url=Secret(redis_url),
        engine_key_prefix=key_prefix,
        jwt_public_key_pem=jwt_keys.public_pem,
        ticket_url="http://127.0.0.1:9",  # nothing listens: tests prime the catalog or pass a transport
        ticket_timeout_s=0.5,
    )


@dataclass
class Api:
    """The running app, its context and a way to call it as a given user."""

    app: Starlette
    http: httpx.AsyncClient
    tokens: TokenMinter

    @property
    def ctx(self) -> BookingContext:
        context: BookingContext = self.app.state.ctx
        return context

    def auth(self, user_id: str, tenant_id: str, role: str = "customer") -> dict[str, str]:
        token = self.tokens.mint(user_id=user_id, tenant_id=tenant_id, role=role)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def api(settings: Settings, sale: Sale, token_minter: TokenMinter) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with running_app(app) as http:
        client = Api(app, http, token_minter)
        client.ctx.catalog.put(sale.detail())
        yield client
