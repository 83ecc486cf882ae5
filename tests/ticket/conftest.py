"""ticket-service fixtures: a fresh ticket_db, a random engine key prefix on the real Redis, the app in-process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import httpx
import orjson
import pytest
from redis.asyncio import Redis

from engine import InventoryEngine, connect
from services.ticket import Settings, create_app
from tests.support.asgi import running_app
from tests.support.tokens import KeyPair, TokenMinter


@dataclass(frozen=True)
class Tenant:
    """One tenant with an organizer, an admin and a customer token."""

    id: str
    organizer: dict[str, str]
    admin: dict[str, str]
    customer: dict[str, str]


@pytest.fixture
def make_tenant(token_minter: TokenMinter) -> Callable[[], Tenant]:
    def factory() -> Tenant:
        tid = str(uuid.uuid4())

        def bearer(role: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {token_minter.mint(tenant_id=tid, role=role)}"}

        return Tenant(tid, bearer("organizer"), bearer("admin"), bearer("customer"))

    return factory


@pytest.fixture
async def ticket_dsn(fresh_database: Callable[[str], Awaitable[str]]) -> str:
    return await fresh_database("ticket_db")


def ticket_env(dsn: str, redis_url: str, key_prefix: str, jwt_keys: KeyPair) -> dict[str, str]:
    return {
        "BR_TICKET_DB_DSN": dsn,
        "BR_REDIS_URL": redis_url,
        "BR_ENGINE_KEY_PREFIX": key_prefix,
        "BR_JWT_PUBLIC_KEY": jwt_keys.public_pem,
        "BR_TICKET_DB_POOL_MIN": "1",
        "BR_TICKET_DB_POOL_MAX": "4",
    }


@pytest.fixture
def settings(ticket_dsn: str, redis_url: str, key_prefix: str, jwt_keys: KeyPair) -> Settings:
    return Settings.from_env(ticket_env(ticket_dsn, redis_url, key_prefix, jwt_keys))


@pytest.fixture
async def redis(redis_url: str, key_prefix: str) -> AsyncIterator[Redis]:
    client = connect(redis_url, max_connections=8)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{key_prefix}:*", count=500)]
    if keys:
        await client.delete(*keys)
    await client.aclose()
    await client.connection_pool.disconnect()


@pytest.fixture
def engine(redis: Redis, key_prefix: str) -> InventoryEngine:
    """The same engine (prefix) the app uses, for checking what publishing loaded into Redis."""
    return InventoryEngine(redis, key_prefix=key_prefix)


@pytest.fixture
async def client(settings: Settings, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(create_app(settings)) as http:
        yield http


@pytest.fixture
async def db(ticket_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(ticket_dsn)
    # the same JSONB codec the service pools use (services.shared.db), so outbox writes work on it too
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads, schema="pg_catalog"
        )
    yield conn
    await conn.close()
