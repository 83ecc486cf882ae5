"""Wait (bounded) until the saga has caught up: outbox rows published and consumer groups at the log end.

Other activity may write to the same databases and topics while we wait, so "caught up" is judged per round
against a snapshot taken when the round starts: outbox rows created before it must be published, and each group's
committed offsets must reach the end offsets of that moment. One hop of the saga (an event consumed) can write a
new outbox row (the next hop), so rounds repeat until one finds nothing left to wait for.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from loadtest.endpoints import CONSUMER_GROUPS, Endpoints
from loadtest.kafka_meta import topic_partitions

__all__ = ["DrainStatus", "consumer_lag", "outbox_backlog", "wait_for_drain"]

_BACKLOG = """
SELECT count(*) FROM outbox
WHERE (status = 'pending' OR (status = 'failed' AND retry_count < max_retries)) AND created_at < $1
"""


@dataclass
class DrainStatus:
    drained: bool = False
    waited_s: float = 0.0
    rounds: int = 0
    backlog: dict[str, int] = field(default_factory=dict)
    lag: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "drained": self.drained,
            "waited_s": round(self.waited_s, 2),
            "rounds": self.rounds,
            "outbox_backlog": self.backlog,
            "consumer_lag": self.lag,
        }


async def outbox_backlog(endpoints: Endpoints, before: datetime) -> dict[str, int]:
    """Rows still to publish (pending or retriable failed) per database, among those created before ``before``."""
    counts: dict[str, int] = {}
    for db, dsn in endpoints.dsns.items():
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            counts[db] = int(await conn.fetchval(_BACKLOG, before))
        finally:
            await conn.close()
    return counts


async def _log_bounds(consumer: AIOKafkaConsumer, admin: AIOKafkaAdminClient) -> dict[TopicPartition, tuple[int, int]]:
    """(log start, end offset) of every partition the saga's consumer groups read, at this moment."""
    partitions = await topic_partitions(admin, (t for topics in CONSUMER_GROUPS.values() for t in topics))
    ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    starts: dict[TopicPartition, int] = await consumer.beginning_offsets(partitions)
    return {tp: (starts[tp], ends[tp]) for tp in partitions}


async def consumer_lag(admin: AIOKafkaAdminClient, bounds: dict[TopicPartition, tuple[int, int]]) -> dict[str, int]:
    """Messages before the given end offsets that each group has not committed yet."""
    lag: dict[str, int] = {}
    for group, topics in CONSUMER_GROUPS.items():
        committed = await admin.list_consumer_group_offsets(group)
        total = 0
        for tp, (start, end) in bounds.items():
            if tp.topic not in topics:
                continue
            meta = committed.get(tp)
            # the floor is the log start: a never-committed partition whose messages were deleted has no lag
            position = max(meta.offset if meta is not None and meta.offset >= 0 else 0, start)
            total += max(0, end - position)
        lag[group] = total
    return lag


async def wait_for_drain(endpoints: Endpoints, *, timeout_s: float = 60.0, poll_s: float = 0.5) -> DrainStatus:
    status = DrainStatus()
    started = time.monotonic()
    consumer = AIOKafkaConsumer(bootstrap_servers=endpoints.kafka_bootstrap, enable_auto_commit=False)
    admin = AIOKafkaAdminClient(bootstrap_servers=endpoints.kafka_bootstrap)
    await consumer.start()
    await admin.start()
    try:
        while time.monotonic() - started < timeout_s:
            status.rounds += 1
            round_start = datetime.now(UTC)
            idle_round = True
            while True:
                status.backlog = await outbox_backlog(endpoints, round_start)
                if not any(status.backlog.values()):
                    break
                idle_round = False
                if time.monotonic() - started >= timeout_s:
                    return status
                await asyncio.sleep(poll_s)
            bounds = await _log_bounds(consumer, admin)
            while True:
                status.lag = await consumer_lag(admin, bounds)
                if not any(status.lag.values()):
                    break
                idle_round = False
                if time.monotonic() - started >= timeout_s:
                    return status
                await asyncio.sleep(poll_s)
            if idle_round and status.rounds > 1:
                status.drained = True
                return status
            await asyncio.sleep(poll_s)
        return status
    finally:
        status.waited_s = time.monotonic() - started
        await admin.close()
        await consumer.stop()
