"""Helpers for the sync tests: private topics, outbox writers, topic readers, background relays and consumers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from prometheus_client import CollectorRegistry

from services.shared.consuming import ConsumerDefinition
from services.shared.envelope import EventEnvelope
from services.shared.outbox import write_outbox, write_outbox_many
from sync.consumer import RetryPolicy, run_consumer
from sync.metrics import SyncMetrics
from sync.relay import OutboxRelay, RelayConfig

FAST_RETRY = RetryPolicy(fast_attempts=3, base_delay=0.02, fast_max_delay=0.1, slow_delay=0.2)
# Short session/heartbeat so groups form and leave quickly in tests.
TEST_CONSUMER_OPTIONS: dict[str, Any] = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 500}


def envelope(aggregate_id: str | None = None, event_type: str = "test.happened", **data: Any) -> EventEnvelope:
    return EventEnvelope(
        type=event_type,
        source="sync-tests",
        aggregate_type="test",
        aggregate_id=aggregate_id or str(uuid.uuid4()),
        data=dict(data),
    )


def new_metrics() -> SyncMetrics:
    return SyncMetrics(CollectorRegistry())


def sample(metrics: SyncMetrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def write_rows(pool: asyncpg.Pool, items: list[tuple[EventEnvelope, str]], *, one_tx: bool = False) -> None:
    """Each row in its own transaction (distinct created_at), or all in one."""
    async with pool.acquire() as conn:
        if one_tx:
            async with conn.transaction():
                await write_outbox_many(conn, items)  # type: ignore[arg-type]
            return
        for item, topic in items:
            async with conn.transaction():
                await write_outbox(conn, item, topic)  # type: ignore[arg-type]


async def wait_until(check: Callable[[], Awaitable[bool]], within: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.05)


async def count_status(pool: asyncpg.Pool, status: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM outbox WHERE status = $1", status))


async def read_topic(bootstrap: str, topic: str, partitions: int) -> list[ConsumerRecord]:
    """Everything on ``topic`` up to its current end offsets (no group, nothing committed)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + 20
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            if time.monotonic() > deadline:
                raise AssertionError("timed out reading the topic back")
            batch = await consumer.getmany(timeout_ms=200)
            for part in batch.values():
                records.extend(part)
        return records
    finally:
        await consumer.stop()


async def produce_raw(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    async with AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True) as producer:
        for key, value in messages:
            await producer.send(topic, value=value, key=key)
        await producer.flush()


@asynccontextmanager
async def running_relay(config: RelayConfig, metrics: SyncMetrics) -> AsyncIterator[OutboxRelay]:
    relay = OutboxRelay(config, metrics)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield relay
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


@asynccontextmanager
async def running_consumer(
    definition: ConsumerDefinition, bootstrap: str, metrics: SyncMetrics, *, group_id: str | None = None
) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_consumer(
            definition,
            bootstrap=bootstrap,
            stop=stop,
            group_id=group_id,
            metrics=metrics,
            retry=FAST_RETRY,
            consumer_options=TEST_CONSUMER_OPTIONS,
        )
    )
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


APPLIED_TABLE = """
CREATE TABLE applied (
    n BIGSERIAL PRIMARY KEY,  -- application order
    event_id UUID NOT NULL,   -- deliberately not unique: a double apply must show up as two rows
    aggregate_id TEXT NOT NULL,
    seq INT
)
"""


def recording_definition(name: str, topics: tuple[str, ...], pool: asyncpg.Pool, **kwargs: Any) -> ConsumerDefinition:
    """A definition whose handler records each applied event in ``applied`` on the inbox's connection."""

    async def record(conn: asyncpg.Connection, event: EventEnvelope) -> None:
        await conn.execute(
            "INSERT INTO applied (event_id, aggregate_id, seq) VALUES ($1, $2, $3)",
            event.id,
            event.aggregate_id,
            event.data.get("seq"),
        )

    return ConsumerDefinition(name=name, topics=topics, pool=pool, handlers={"test.happened": record}, **kwargs)
