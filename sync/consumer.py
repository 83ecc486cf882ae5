"""The generic idempotent Kafka consumer: runs a service's ``ConsumerDefinition`` effectively once.

Delivery is at least once (offsets are committed only after the event's database transaction committed) and the
inbox makes it effectively once: each event's ``(consumer, event id)`` row is inserted in the same transaction as
the handler's writes, so a redelivered, replayed or duplicated event finds its row and changes nothing.

Order: messages of one partition (one aggregate, since the key is the aggregate id) are applied one after the
other; partitions are processed concurrently. A failing handler blocks only its partition: the event is retried
(fast with backoff, then slowly, forever) and never skipped, because committing a later offset would acknowledge
it. A message that is not a valid envelope can never succeed, so it is logged, counted and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from services.shared.consuming import ConsumerDefinition, EventHandler
from services.shared.envelope import EnvelopeError, EventEnvelope
from sync.kafka import create_consumer
from sync.metrics import SyncMetrics, default_metrics

__all__ = ["RetryPolicy", "run_consumer"]

log = logging.getLogger("sync.consumer")

_CLAIM = """
INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2)
ON CONFLICT (consumer, event_id) DO NOTHING
RETURNING true
"""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    fast_attempts: int = 5  # attempts retried with exponential backoff before the slow lane
    base_delay: float = 0.2  # seconds; doubles per attempt
    fast_max_delay: float = 5.0
    slow_delay: float = 30.0  # after fast_attempts: an alert-worthy state, keep trying at this pace

    def delay(self, attempt: int) -> float:
        if attempt > self.fast_attempts:
            return self.slow_delay
        return min(self.fast_max_delay, self.base_delay * 2.0 ** (attempt - 1))


async def run_consumer(
    definition: ConsumerDefinition,
    *,
    bootstrap: str,
    stop: asyncio.Event,
    group_id: str | None = None,
    metrics: SyncMetrics | None = None,
    retry: RetryPolicy | None = None,
    consumer_options: Mapping[str, Any] | None = None,
) -> None:
    """Consume ``definition.topics`` until ``stop`` is set.

    The Kafka group defaults to ``definition.name`` (also the inbox's consumer name); ``group_id`` lets a second
    group replay the same events against the same inbox (operations, tests).
    """
    group = group_id or definition.name
    consumer = create_consumer(bootstrap, group, definition.topics, **dict(consumer_options or {}))
    runner = _Runner(definition, consumer, group, metrics or default_metrics(), retry or RetryPolicy(), stop)
    await consumer.start()
    log.info("consumer started", extra={"fields": {"group": group, "topics": list(definition.topics)}})
    try:
        await runner.loop()
    finally:
        await consumer.stop()
        log.info("consumer stopped", extra={"fields": {"group": group}})


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


class _Runner:
    def __init__(
        self,
        definition: ConsumerDefinition,
        consumer: AIOKafkaConsumer,
        group: str,
        metrics: SyncMetrics,
        retry: RetryPolicy,
        stop: asyncio.Event,
    ) -> None:
        self.definition = definition
        self.consumer = consumer
        self.group = group
        self.metrics = metrics
        self.retry = retry
        self.stop = stop

    async def loop(self) -> None:
        while not self.stop.is_set():
            batches: dict[TopicPartition, list[ConsumerRecord]] = await self.consumer.getmany(timeout_ms=200)
            if batches:
                await asyncio.gather(*(self._partition(tp, records) for tp, records in batches.items()))
            await self._refresh_lag()

    async def _partition(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        done: int | None = None
        for record in records:
            if not await self._process(record):
                break  # stopping: leave this and later offsets uncommitted
            done = record.offset
            self._set_lag(tp, record.offset + 1)
        if done is None:
            return
        try:
            await self.consumer.commit({tp: done + 1})
        except KafkaError as exc:
            # Typically a rebalance moved the partition away: the new owner re-reads from the last committed
            # offset and the inbox turns the repeats into no-ops.
            fields = {"group": self.group, "topic": tp.topic, "partition": tp.partition, "error": str(exc)}
            log.warning("offset commit failed", extra={"fields": fields})

    async def _process(self, record: ConsumerRecord) -> bool:
        """Apply one message; True when its offset may be committed."""
        where = {"group": self.group, "topic": record.topic, "partition": record.partition, "offset": record.offset}
        try:
            if record.value is None:
                raise EnvelopeError("message has no value")
            envelope = EventEnvelope.from_json(record.value)
        except EnvelopeError as exc:
            self.metrics.poison_messages.labels(self.group).inc()
            log.error("poison message skipped", extra={"fields": {**where, "error": str(exc)}})
            return True
        handler = self.definition.handlers.get(envelope.type)
        if handler is None:
            self.metrics.events_ignored.labels(self.group).inc()
            return True
        attempt = 0
        while True:
            try:
                applied = await self._apply(handler, envelope)
                break
            except Exception as exc:
                # The transaction rolled back with the inbox row, so nothing is half-applied; try again.
                attempt += 1
                self.metrics.handler_errors.labels(self.group).inc()
                delay = self.retry.delay(attempt)
                level = logging.WARNING if attempt <= self.retry.fast_attempts else logging.ERROR
                fields = {**where, "event_id": envelope.id, "attempt": attempt, "error": repr(exc)}
                log.log(level, "handler failed; retrying", extra={"fields": {**fields, "retry_in_s": delay}})
                await _sleep_unless(self.stop, delay)
                if self.stop.is_set():
                    return False
        if not applied:
            self.metrics.duplicates_skipped.labels(self.group).inc()
            return True
        self.metrics.events_applied.labels(self.group, envelope.type).inc()
        if self.definition.after_commit is not None:
            try:
                await self.definition.after_commit(envelope)
            except Exception:
                # The effect is committed; a follow-up signal must not make us re-apply it.
                log.exception("after_commit failed", extra={"fields": {**where, "event_id": envelope.id}})
        return True

    async def _apply(self, handler: EventHandler, envelope: EventEnvelope) -> bool:
        async with self.definition.pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval(_CLAIM, self.definition.name, envelope.id):
                return False  # already applied by an earlier delivery
            # A pooled connection is a proxy of asyncpg.Connection with the same interface.
            await handler(cast(asyncpg.Connection, conn), envelope)
        return True

    def _set_lag(self, tp: TopicPartition, next_offset: int) -> None:
        highwater = self.consumer.highwater(tp)
        if highwater is not None:
            lag = max(0, highwater - next_offset)
            self.metrics.consumer_lag.labels(self.group, tp.topic, str(tp.partition)).set(lag)

    async def _refresh_lag(self) -> None:
        # Between batches everything fetched has been applied, so the fetch position is the next offset to apply.
        for tp in self.consumer.assignment():
            try:
                position = await asyncio.wait_for(self.consumer.position(tp), timeout=1.0)
            except (KafkaError, TimeoutError):
                continue
            self._set_lag(tp, position)
