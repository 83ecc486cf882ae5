"""Fixtures of the sync tests: a fresh booking_db pool and private Kafka topics deleted after each test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from services.shared.db import create_pool

TopicFactory = Callable[..., Awaitable[str]]


@pytest.fixture
async def booking_dsn(fresh_database: Callable[[str], Awaitable[str]]) -> str:
    return await fresh_database("booking_db")


@pytest.fixture
async def booking_pool(booking_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(booking_dsn, min_size=1, max_size=5)
    yield pool
    await pool.close()


@pytest.fixture
async def new_topic(kafka_bootstrap: str) -> AsyncIterator[TopicFactory]:
    """``await new_topic(partitions=3)`` -> a unique topic name; every topic made is deleted after the test."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=10_000)
    await admin.start()
    created: list[str] = []

    async def create(partitions: int = 3) -> str:
        name = f"test.sync.{uuid.uuid4().hex[:12]}"
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        created.append(name)
        return name

    try:
        yield create
    finally:
        if created:
            await admin.delete_topics(created)
        await admin.close()
