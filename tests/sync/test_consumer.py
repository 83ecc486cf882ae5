"""The idempotent consumer runner: duplicates, reordering, replays, poison messages and failing handlers."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict

import asyncpg

from services.shared.consuming import ConsumerDefinition
from services.shared.envelope import EventEnvelope
from sync.metrics import SyncMetrics
from tests.sync.conftest import TopicFactory
from tests.sync.support import (
    APPLIED_TABLE,
    envelope,
    new_metrics,
    produce_raw,
    recording_definition,
    running_consumer,
    sample,
    wait_until,
)


async def _applied(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM applied"))


async def test_duplicates_reordering_and_replays_apply_each_event_once(
    booking_pool: asyncpg.Pool, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    await booking_pool.execute(APPLIED_TABLE)
    topic = await new_topic(partitions=3)
    keys = [str(uuid.uuid4()) for _ in range(5)]
    per_key = {key: [envelope(key, seq=i) for i in range(6)] for key in keys}
    # Interleave the keys randomly (per-key order kept, as the relay guarantees), then duplicate a third.
    rng = random.Random(7)
    queues = {key: list(items) for key, items in per_key.items()}
    stream: list[EventEnvelope] = []
    while any(queues.values()):
        key = rng.choice([k for k, q in queues.items() if q])
        stream.append(queues[key].pop(0))
    duplicates = stream[::3]
    sent = [(e.aggregate_id.encode(), e.to_json()) for e in stream + duplicates]
    await produce_raw(kafka_bootstrap, topic, sent)
    name = f"test-consumer-{uuid.uuid4().hex[:8]}"
    definition = recording_definition(name, (topic,), booking_pool)

    metrics = new_metrics()
    async with running_consumer(definition, kafka_bootstrap, metrics):
        await wait_until(lambda: _seen(metrics, name, 40), what="every message handled")
    assert await _applied(booking_pool) == 30
    assert sample(metrics, "consumer_events_applied_total", group=name, type="test.happened") == 30
    assert sample(metrics, "consumer_duplicates_skipped_total", group=name) == 10
    rows = await booking_pool.fetch("SELECT aggregate_id, seq FROM applied ORDER BY n")
    order: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        order[row["aggregate_id"]].append(row["seq"])
    assert order == {key: list(range(6)) for key in keys}  # each aggregate applied in order

    # Replay: the same group restarts (offsets committed: nothing new) and a second group re-reads everything
    # against the same inbox name. Nothing is applied twice.
    replay = new_metrics()
    async with running_consumer(definition, kafka_bootstrap, replay, group_id=f"{name}-replay"):
        await wait_until(lambda: _seen(replay, f"{name}-replay", 40), what="the replay handled")
    assert sample(replay, "consumer_duplicates_skipped_total", group=f"{name}-replay") == 40
    restarted = new_metrics()
    fresh = envelope(keys[0], seq=6)
    await produce_raw(kafka_bootstrap, topic, [(fresh.aggregate_id.encode(), fresh.to_json())])
    async with running_consumer(definition, kafka_bootstrap, restarted):
        await wait_until(lambda: _seen(restarted, name, 1), what="the new event applied")
        await asyncio.sleep(0.3)
    # Committed offsets: the restarted group resumes after the 40 it handled and sees only the new event.
    assert _total(restarted, name) == 1
    assert sample(restarted, "consumer_events_applied_total", group=name, type="test.happened") == 1
    assert await _applied(booking_pool) == 31
    assert await booking_pool.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1", name) == 31


def _total(metrics: SyncMetrics, group: str) -> float:
    applied = sample(metrics, "consumer_events_applied_total", group=group, type="test.happened")
    return applied + sample(metrics, "consumer_duplicates_skipped_total", group=group)


async def _seen(metrics: SyncMetrics, group: str, expected: int) -> bool:
    return _total(metrics, group) >= expected


async def test_poison_messages_are_skipped_and_counted(
    booking_pool: asyncpg.Pool, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    await booking_pool.execute(APPLIED_TABLE)
    topic = await new_topic(partitions=1)
    first, last = envelope(seq=1), envelope(seq=2)
    ignored = envelope(event_type="test.unhandled")
    await produce_raw(
        kafka_bootstrap,
        topic,
        [
            (b"k", first.to_json()),
            (b"k", b"not json at all"),
            (b"k", b'{"specversion": "1.0", "id": "not-a-uuid"}'),
            (b"k", ignored.to_json()),
            (b"k", last.to_json()),
        ],
    )
    name = f"test-poison-{uuid.uuid4().hex[:8]}"
    metrics = new_metrics()
    async with running_consumer(recording_definition(name, (topic,), booking_pool), kafka_bootstrap, metrics):
        await wait_until(lambda: _seen(metrics, name, 2), what="both valid events applied")
    assert [r["seq"] for r in await booking_pool.fetch("SELECT seq FROM applied ORDER BY n")] == [1, 2]
    assert sample(metrics, "consumer_poison_messages_total", group=name) == 2
    assert sample(metrics, "consumer_events_ignored_total", group=name) == 1


async def test_handler_failing_twice_then_succeeding_applies_once(
    booking_pool: asyncpg.Pool, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    await booking_pool.execute(APPLIED_TABLE)
    topic = await new_topic(partitions=1)
    event, after = envelope(seq=1), envelope(seq=2)
    await produce_raw(kafka_bootstrap, topic, [(b"k", event.to_json()), (b"k", after.to_json())])
    calls: list[str] = []
    committed: list[str] = []

    async def flaky(conn: asyncpg.Connection, item: EventEnvelope) -> None:
        await conn.execute("INSERT INTO applied (event_id, aggregate_id, seq) VALUES ($1, $2, $3)", item.id, "x", 0)
        calls.append(item.id)
        if item.id == event.id and calls.count(item.id) <= 2:
            raise RuntimeError("transient")  # after writing: the rollback must undo the row

    async def after_commit(item: EventEnvelope) -> None:
        committed.append(item.id)

    name = f"test-flaky-{uuid.uuid4().hex[:8]}"
    definition = ConsumerDefinition(name, (topic,), booking_pool, {"test.happened": flaky}, after_commit=after_commit)
    metrics = new_metrics()
    async with running_consumer(definition, kafka_bootstrap, metrics):
        await wait_until(lambda: _seen(metrics, name, 2), what="both events applied")
    assert calls == [event.id, event.id, event.id, after.id]  # the later event waited for the failing one
    assert await booking_pool.fetchval("SELECT count(*) FROM applied WHERE event_id = $1", event.id) == 1
    assert sample(metrics, "consumer_handler_errors_total", group=name) == 2
    assert sample(metrics, "consumer_events_applied_total", group=name, type="test.happened") == 2
    assert committed == [event.id, after.id]
