"""Sample-verify that published outbox rows really are in Kafka: take the newest published rows of each database
and look for their event ids (envelope ``id`` = outbox row id) in the topics, reading only the window of the log
written since the oldest sampled row was created (``offsets_for_times``), within a time budget."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import datetime

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from loadtest.audit.checks import Check
from loadtest.kafka_meta import topic_partitions

__all__ = ["verify_sample"]

_SAMPLE = """
SELECT id::text, topic, created_at FROM outbox
WHERE status = 'published' AND created_at < $2 ORDER BY created_at DESC LIMIT $1
"""


async def _sample(dsns: dict[str, str], per_db: int, cutoff: datetime) -> dict[str, dict[str, datetime]]:
    """topic -> {event id: created_at}"""
    wanted: dict[str, dict[str, datetime]] = defaultdict(dict)
    for dsn in dsns.values():
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            for event_id, topic, created_at in await conn.fetch(_SAMPLE, per_db, cutoff):
                wanted[topic][event_id] = created_at
        finally:
            await conn.close()
    return wanted


async def _scan_topic(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], ids: dict[str, datetime], deadline: float
) -> set[str]:
    since_ms = int(min(ids.values()).timestamp() * 1000) - 2000  # messages are stamped when the relay sends them
    starts = await consumer.offsets_for_times({tp: since_ms for tp in partitions})
    ends = await consumer.end_offsets(partitions)
    todo = {tp: ends[tp] for tp in partitions if starts.get(tp) is not None and starts[tp].offset < ends[tp]}
    consumer.assign(list(todo))
    for tp in todo:
        consumer.seek(tp, starts[tp].offset)
    missing = set(ids)
    while todo and missing and time.monotonic() < deadline:
        batches = await consumer.getmany(*todo, timeout_ms=500, max_records=5000)
        for messages in batches.values():
            for message in messages:
                try:
                    missing.discard(str(orjson.loads(message.value)["id"]))
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    continue  # not an envelope: the consumers skip it too
        for tp in list(todo):
            if await consumer.position(tp) >= todo[tp]:
                del todo[tp]
    return set(ids) - missing


async def verify_sample(
    dsns: dict[str, str], bootstrap: str, cutoff: datetime, *, per_db: int = 100, budget_s: float = 30.0
) -> Check:
    check = Check(
        "kafka_sample",
        f"the newest {per_db} published outbox rows of each database are in their Kafka topic (by event id)",
    )
    wanted = await _sample(dsns, per_db, cutoff)
    deadline = time.monotonic() + budget_s
    found_total = sampled = 0
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        partitions = await topic_partitions(admin, wanted)
    finally:
        await admin.close()
    for topic, ids in sorted(wanted.items()):
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            mine = [tp for tp in partitions if tp.topic == topic]
            found = await asyncio.wait_for(_scan_topic(consumer, mine, ids, deadline), timeout=budget_s + 5)
        finally:
            await consumer.stop()
        sampled += len(ids)
        found_total += len(found)
        for event_id in sorted(set(ids) - found)[:20]:
            check.problems.append(f"{topic}: outbox row {event_id} is published but not in the topic")
        if len(ids) - len(found) > 20:
            check.problems.append(f"{topic}: {len(ids) - len(found) - 20} more rows not found")
    if time.monotonic() > deadline and check.problems:
        check.problems.append(f"(scan stopped after its {budget_s:.0f} s budget)")
    check.info = {"sampled": sampled, "found": found_total}
    return check
