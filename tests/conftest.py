"""Session-wide fixtures: the real Redis, PostgreSQL and Kafka the project's scripts started.

Nothing here is faked. Each test that needs state gets its own: a random Redis key prefix, a fresh migrated
database, a unique Kafka topic or consumer group. Nothing flushes shared state.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import hypothesis  # noqa: F401 - imported early on purpose: see below
import pytest

from services.shared.settings import DEFAULT_KAFKA_BOOTSTRAP, DEFAULT_REDIS_URL
from tests.support.databases import DatabaseFactory
from tests.support.system import GATEWAY, SystemProcesses
from tests.support.tokens import KeyPair, TokenMinter

# Importing hypothesis before collection avoids a CPython 3.11.7 SystemError at session end that shows up when its
# pytest plugin is first imported late (seen when running a subset of test folders).

PG_ADMIN_DSN = os.environ.get("BR_PG_ADMIN_DSN", "postgresql://br_admin:br_admin_pw@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("BR_REDIS_URL", DEFAULT_REDIS_URL)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return os.environ.get("BR_KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)


@pytest.fixture(scope="session")
def pg_admin_dsn() -> str:
    return PG_ADMIN_DSN


@pytest.fixture
def key_prefix() -> str:
    """A Redis key prefix no other test uses."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
async def database_factory(pg_admin_dsn: str) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(pg_admin_dsn)
    yield factory
    await factory.drop_all()


@pytest.fixture
def fresh_database(database_factory: DatabaseFactory) -> Callable[[str], Awaitable[str]]:
    """``await fresh_database("booking_db")`` -> DSN of a new, migrated copy owned by booking_svc."""
    return database_factory.create


@pytest.fixture(scope="session")
def jwt_keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="session")
def token_minter(jwt_keys: KeyPair) -> TokenMinter:
    return TokenMinter(jwt_keys)


@pytest.fixture(scope="session")
def running_system() -> Iterator[str]:
    """Every process of the main job running behind the gateway; yields the gateway URL."""
    system = SystemProcesses()
    system.start()
    yield GATEWAY
    system.stop()
