"""The outbox relay against real PostgreSQL and Kafka: keys, order, late commits, leadership, failures."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict

import asyncpg

from services.shared.envelope import EventEnvelope
from services.shared.outbox import write_outbox
from sync.relay import RelayConfig
from tests.sync.conftest import TopicFactory
from tests.sync.support import (
    count_status,
    envelope,
    new_metrics,
    read_topic,
    running_relay,
    sample,
    wait_until,
    write_rows,
)


def relay_config(dsn: str, bootstrap: str, **overrides: object) -> RelayConfig:
    settings: dict[str, object] = {
        "database": "booking_db",
        "dsn": dsn,
        "bootstrap": bootstrap,
        "batch_size": 50,
        "idle_sleep": 0.05,
        "standby_retry": 0.1,
        "backlog_interval": 0.05,
    }
    settings.update(overrides)
    return RelayConfig(**settings)  # type: ignore[arg-type]


async def test_publishes_every_row_keyed_by_aggregate_in_order(
    booking_pool: asyncpg.Pool, booking_dsn: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic(partitions=3)
    aggregates = [str(uuid.uuid4()) for _ in range(3)]
    written = [envelope(aggregates[i % 3], seq=i) for i in range(60)]
    await write_rows(booking_pool, [(item, topic) for item in written])
    metrics = new_metrics()

    async with running_relay(relay_config(booking_dsn, kafka_bootstrap), metrics):
        await wait_until(lambda: _all_published(booking_pool, 60), what="60 rows published")

    records = await read_topic(kafka_bootstrap, topic, 3)
    assert len(records) == 60
    by_key: dict[str, list[int]] = defaultdict(list)
    for record in records:
        received = EventEnvelope.from_json(record.value)
        assert record.key.decode() == received.aggregate_id  # key = partition key = aggregate id
        by_key[received.aggregate_id].append(received.data["seq"])
    assert set(by_key) == set(aggregates)
    for seqs in by_key.values():
        assert seqs == sorted(seqs)  # one aggregate's events arrive in the order they were written
    assert sorted(s for seqs in by_key.values() for s in seqs) == list(range(60))
    stamped = await booking_pool.fetchval(
        "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL AND processed_at IS NOT NULL AND last_error IS NULL"
    )
    assert stamped == 60
    assert sample(metrics, "outbox_published_total", database="booking_db", topic=topic) == 60


async def _all_published(pool: asyncpg.Pool, expected: int) -> bool:
    return await count_status(pool, "published") == expected


async def test_rows_committed_out_of_order_are_not_skipped(
    booking_pool: asyncpg.Pool, booking_dsn: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic(partitions=1)
    early, late = envelope(seq="A"), envelope(seq="B")
    async with booking_pool.acquire() as conn_a:
        tx_a = conn_a.transaction()
        await tx_a.start()
        await write_outbox(conn_a, early, topic)  # type: ignore[arg-type]  # created_at = A's start: earlier
        await write_rows(booking_pool, [(late, topic)])  # B commits first
        async with running_relay(relay_config(booking_dsn, kafka_bootstrap), new_metrics()):
            await wait_until(lambda: _all_published(booking_pool, 1), what="B published")
            await tx_a.commit()  # A becomes visible behind everything already published
            await wait_until(lambda: _all_published(booking_pool, 2), what="A published too")

    ids = [EventEnvelope.from_json(record.value).id for record in await read_topic(kafka_bootstrap, topic, 1)]
    assert ids == [late.id, early.id]


async def test_two_relays_one_leader_no_row_published_twice(
    booking_pool: asyncpg.Pool, booking_dsn: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic(partitions=3)
    first = [envelope() for _ in range(300)]
    await write_rows(booking_pool, [(item, topic) for item in first], one_tx=True)
    metrics_a, metrics_b = new_metrics(), new_metrics()
    config = relay_config(booking_dsn, kafka_bootstrap)
    async with running_relay(config, metrics_a):
        async with running_relay(config, metrics_b):
            await wait_until(lambda: _all_published(booking_pool, 300), what="300 rows published")
            leaders = [sample(m, "outbox_relay_leader", database="booking_db") for m in (metrics_a, metrics_b)]
            assert sorted(leaders) == [0.0, 1.0]
            published = [
                sample(m, "outbox_published_total", database="booking_db", topic=topic) for m in (metrics_a, metrics_b)
            ]
            assert sorted(published) == [0.0, 300.0]
        # Whichever stopped, the survivor leads (takes over within standby_retry) and publishes new rows.
        second = [envelope() for _ in range(20)]
        await write_rows(booking_pool, [(item, topic) for item in second], one_tx=True)
        await wait_until(lambda: _all_published(booking_pool, 320), what="20 more rows published")

    counts = Counter(EventEnvelope.from_json(record.value).id for record in await read_topic(kafka_bootstrap, topic, 3))
    assert len(counts) == 320 and set(counts.values()) == {1}


async def test_send_failures_back_off_then_mark_failed_and_a_later_run_retries(
    booking_pool: asyncpg.Pool, booking_dsn: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic(partitions=1)
    missing = f"test.sync.missing.{uuid.uuid4().hex[:12]}"  # never created; broker auto-create is off
    doomed = [envelope() for _ in range(3)]
    fine = envelope()
    await write_rows(booking_pool, [(item, missing) for item in doomed] + [(fine, topic)])
    metrics = new_metrics()
    config = relay_config(booking_dsn, kafka_bootstrap, request_timeout_ms=300, backoff_base=0.05, backoff_max=0.2)

    async with running_relay(config, metrics):
        await wait_until(lambda: _all_published(booking_pool, 1), what="the healthy row published")
        await wait_until(lambda: _count(booking_pool, "status = 'pending' AND retry_count >= 1"), what="a retry")
        await wait_until(lambda: _count(booking_pool, "status = 'failed'", 3), within=30, what="3 rows failed")

    failed = await booking_pool.fetch(
        "SELECT retry_count, max_retries, last_error, published_at FROM outbox WHERE topic = $1", missing
    )
    assert len(failed) == 3
    for row in failed:
        assert row["retry_count"] == row["max_retries"] == 5
        assert "UnknownTopicOrPartitionError" in row["last_error"] or "KafkaTimeoutError" in row["last_error"]
        assert row["published_at"] is None  # never acknowledged, never marked
    assert sample(metrics, "outbox_failed_total", database="booking_db") == 3
    assert sample(metrics, "outbox_send_errors_total", database="booking_db") == 15
    assert sample(metrics, "outbox_published_total", database="booking_db", topic=topic) == 1

    # An operator fixes the destination and grants more attempts: 'failed' rows with retries left go out.
    await booking_pool.execute("UPDATE outbox SET topic = $1, max_retries = 6 WHERE topic = $2", topic, missing)
    async with running_relay(config, new_metrics()):
        await wait_until(lambda: _all_published(booking_pool, 4), what="the repaired rows published")
    ids = {EventEnvelope.from_json(record.value).id for record in await read_topic(kafka_bootstrap, topic, 1)}
    assert ids == {fine.id, *(item.id for item in doomed)}


async def _count(pool: asyncpg.Pool, where: str, at_least: int = 1) -> bool:
    return int(await pool.fetchval(f"SELECT count(*) FROM outbox WHERE {where}")) >= at_least
