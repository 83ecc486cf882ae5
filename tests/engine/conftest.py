"""Fixtures: real Redis (BR_REDIS_URL) and the local Redis Cluster (BR_REDIS_CLUSTER_URL, started by
deploy/local/redis-cluster.sh). An unreachable backend fails the tests; nothing is skipped."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import hypothesis  # noqa: F401  # imported up front: its pytest plugin's lazy import at session end crashes
import pytest  # (AST recursion-depth SystemError in CPython 3.11.7's compile under assertion rewriting)
import pytest_asyncio
from redis.asyncio import Redis, RedisCluster

from engine import InventoryEngine, connect, connect_cluster
from tests.engine.support import CLUSTER_URL, REDIS_URL, delete_prefix, new_prefix

BACKENDS = [pytest.param("single", id="single"), pytest.param("cluster", id="cluster", marks=pytest.mark.cluster)]
EngineFactory = Callable[..., Awaitable[InventoryEngine]]


@pytest_asyncio.fixture(scope="session")
async def single_redis() -> AsyncIterator[Redis]:
    client = connect(REDIS_URL, max_connections=64)
    await client.ping()
    yield client
    await client.aclose()


@pytest_asyncio.fixture(scope="session")
async def cluster_redis() -> AsyncIterator[RedisCluster]:
    client = connect_cluster(CLUSTER_URL, max_connections=64)
    await client.initialize()
    info = await client.cluster_info()
    assert info["cluster_state"] == "ok", f"cluster at {CLUSTER_URL} not ok; run deploy/local/redis-cluster.sh up"
    yield client
    await client.aclose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def redis(backend: str, request: pytest.FixtureRequest) -> "Redis | RedisCluster":
    client: Redis | RedisCluster = request.getfixturevalue(f"{backend}_redis")
    return client


@pytest_asyncio.fixture
async def make_engine(redis: "Redis | RedisCluster") -> AsyncIterator[EngineFactory]:
    """Engines on the parametrized backend (or on ``client``), each with a random key prefix deleted afterwards
    through the client it used; ``owned`` clients are closed after that."""
    engines: list[InventoryEngine] = []
    owned: list[Redis | RedisCluster] = []

    async def factory(
        client: "Redis | RedisCluster | None" = None, own: bool = False, **kwargs: Any
    ) -> InventoryEngine:
        engines.append(InventoryEngine(client or redis, key_prefix=new_prefix(), **kwargs))
        if own and client is not None:
            owned.append(client)
        return engines[-1]

    yield factory
    for engine in engines:
        await delete_prefix(engine.redis, engine.keys.prefix)
    for client in owned:
        await client.aclose()


@pytest_asyncio.fixture
async def engine(make_engine: EngineFactory) -> InventoryEngine:
    return await make_engine()
