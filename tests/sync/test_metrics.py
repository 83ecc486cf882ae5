"""Consumer lag and outbox backlog gauges hold the values a small scenario predicts."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from services.shared.consuming import ConsumerDefinition
from services.shared.envelope import EventEnvelope
from sync.relay import OutboxRelay, RelayConfig
from tests.sync.conftest import TopicFactory
from tests.sync.support import (
    count_status,
    envelope,
    new_metrics,
    produce_raw,
    running_consumer,
    running_relay,
    sample,
    wait_until,
    write_rows,
)


async def test_consumer_lag_counts_messages_not_yet_applied(
    booking_pool: asyncpg.Pool, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic(partitions=1)
    events = [envelope(seq=i) for i in range(10)]
    await produce_raw(kafka_bootstrap, topic, [(b"k", e.to_json()) for e in events])
    release = asyncio.Event()

    async def slow(conn: asyncpg.Connection, item: EventEnvelope) -> None:
        if item.data["seq"] == 3:
            await release.wait()  # the 4th event blocks: 3 applied, 7 behind

    name = f"test-lag-{uuid.uuid4().hex[:8]}"
    metrics = new_metrics()
    labels = {"group": name, "topic": topic, "partition": "0"}

    async def lag_is(value: float) -> bool:
        return metrics.registry.get_sample_value("consumer_lag_messages", labels) == value

    definition = ConsumerDefinition(name, (topic,), booking_pool, {"test.happened": slow})
    async with running_consumer(definition, kafka_bootstrap, metrics):
        await wait_until(lambda: lag_is(7), what="lag 7 while the 4th event is stuck")
        assert sample(metrics, "consumer_events_applied_total", group=name, type="test.happened") == 3
        release.set()
        await wait_until(lambda: lag_is(0), what="lag 0 once everything is applied")
    assert sample(metrics, "consumer_events_applied_total", group=name, type="test.happened") == 10


async def test_outbox_backlog_and_oldest_age(
    booking_pool: asyncpg.Pool, booking_dsn: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic(partitions=1)
    rows = [envelope() for _ in range(6)]
    await write_rows(booking_pool, [(item, topic) for item in rows])
    # One row is 10 minutes old, one failed but retriable (counted), one failed for good (not counted).
    await booking_pool.execute("UPDATE outbox SET created_at = now() - interval '600 s' WHERE id = $1", rows[0].id)
    await booking_pool.execute("UPDATE outbox SET status = 'failed', retry_count = 1 WHERE id = $1", rows[1].id)
    await booking_pool.execute("UPDATE outbox SET status = 'failed', retry_count = 5 WHERE id = $1", rows[2].id)
    metrics = new_metrics()
    config = RelayConfig("booking_db", booking_dsn, kafka_bootstrap, idle_sleep=0.05, backlog_interval=0.05)
    conn = await asyncpg.connect(booking_dsn)
    try:
        await OutboxRelay(config, metrics).refresh_backlog(conn)
    finally:
        await conn.close()
    assert sample(metrics, "outbox_backlog_rows", database="booking_db") == 5
    assert 600 <= sample(metrics, "outbox_oldest_pending_age_seconds", database="booking_db") < 660

    async with running_relay(config, metrics):
        await wait_until(lambda: _published(booking_pool, 5), what="5 rows published")

        async def drained() -> bool:
            return sample(metrics, "outbox_backlog_rows", database="booking_db") == 0

        await wait_until(drained, what="backlog gauge back to 0")
    assert sample(metrics, "outbox_oldest_pending_age_seconds", database="booking_db") == 0
    assert sample(metrics, "outbox_published_total", database="booking_db", topic=topic) == 5


async def _published(pool: asyncpg.Pool, expected: int) -> bool:
    return await count_status(pool, "published") == expected
