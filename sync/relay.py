"""The outbox relay: publishes one database's ``outbox`` rows to Kafka, at least once, in per-key order.

One relay process per outbox (auth_db, ticket_db, booking_db, payment_db); run several replicas for availability,
only one of them publishes at a time.

Why a leader lock and a status scan instead of a cursor
-------------------------------------------------------
The obvious relay tails the table: "give me rows after the last id / created_at I published". That loses events.
Ids here are random UUIDs and ``created_at`` is the writing transaction's *start* time, so visibility does not
follow that order: transaction A starts (created_at = t1), transaction B starts later (t2), B commits, the relay
reads B's row and moves its cursor to t2, then A commits a row at t1 behind the cursor; it is never published.
A sequence-assigned id has the same gap problem, because sequence values are handed out at insert time, not at
commit time. pyeventsourcing's PostgreSQL recorder avoids it on the *writer* side: it takes an exclusive table
lock while inserting, so notification ids are assigned and committed strictly one transaction at a time and a
reader tailing by id never sees a later id before an earlier one. We do not own the writers (the services call
``services.shared.outbox.write_outbox`` inside their own hot transactions) and serialising every booking on a
table lock would cap throughput, so the relay is made order-insensitive instead: it never remembers a position.
Every poll asks "which rows are still unpublished?" (``status = 'pending'``, or ``'failed'`` with retries left);
a row that commits late is simply found by the next poll. Rows leave that set only by being marked
``published`` after the broker acknowledged them, so none can be skipped.

Scanning by status is only safe with a single publisher (two relays would publish, and mark, the same rows), so
the relay first takes a session-level ``pg_try_advisory_lock`` on a dedicated connection and does all of its
reads and writes on that same connection: if the connection dies the lock dies with it and the relay stops
marking rows at once; a standby replica retries the lock every ``standby_retry`` seconds and takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, KafkaTimeoutError, UnknownTopicOrPartitionError

from sync.kafka import create_producer
from sync.metrics import SyncMetrics, default_metrics

__all__ = ["LEADER_LOCK_KEY", "OutboxRelay", "RelayConfig", "outbox_backlog"]

log = logging.getLogger("sync.relay")

# Advisory locks are scoped to one database, so one constant serves every outbox ("br-outbx" in ASCII).
LEADER_LOCK_KEY = 0x62722D6F7574_6278

_KEY = "COALESCE(partition_key, aggregate_id::text)"
# Rows of a key that is backing off after a failed send are held back so a later event of the same aggregate
# cannot overtake the one being retried. Rows go out in ``seq`` order: a bigserial drawn at INSERT time, so one
# aggregate's events (whose writers serialise on the aggregate's row lock) keep their commit order, and one
# transaction's rows keep their insertion order (``created_at`` is the transaction's start time and would tie).
_HELD = (
    "NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS h(topic, key)"
    f" WHERE h.topic = o.topic AND h.key = {_KEY})"
)
# Two branches so each can walk its own partial index (idx_outbox_pending_seq / idx_outbox_failed_seq) in seq order.
_SELECT_BATCH = f"""
SELECT id, topic, key, payload, retry_count, max_retries FROM (
    (SELECT o.id, o.topic, {_KEY} AS key, o.payload::text AS payload, o.retry_count,
            COALESCE(o.max_retries, 5) AS max_retries, o.seq
     FROM outbox o WHERE o.status = 'pending' AND {_HELD} ORDER BY o.seq LIMIT $1)
    UNION ALL
    (SELECT o.id, o.topic, {_KEY} AS key, o.payload::text AS payload, o.retry_count,
            COALESCE(o.max_retries, 5) AS max_retries, o.seq
     FROM outbox o WHERE o.status = 'failed' AND o.retry_count < o.max_retries AND {_HELD}
     ORDER BY o.seq LIMIT $1)
) AS batch ORDER BY seq LIMIT $1
"""
_MARK_PUBLISHED = """
UPDATE outbox SET status = 'published', published_at = now(), processed_at = now(), last_error = NULL
WHERE id = ANY($1::uuid[])
"""
_MARK_ATTEMPT_FAILED = """
UPDATE outbox SET retry_count = retry_count + 1, last_error = $2,
    status = CASE WHEN retry_count + 1 >= COALESCE(max_retries, 5) THEN 'failed' ELSE status END
WHERE id = $1
"""
_BACKLOG = """
SELECT count(*) AS rows, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age
FROM outbox WHERE status = 'pending' OR (status = 'failed' AND retry_count < max_retries)
"""


@dataclass(frozen=True, slots=True)
class RelayConfig:
    database: str  # metrics label and log field, e.g. "booking_db"
    dsn: str
    bootstrap: str
    batch_size: int = 500
    busy_sleep: float = 0.02  # seconds between polls while rows keep arriving
    idle_sleep: float = 0.5  # ceiling of the doubling sleep while the outbox is empty
    standby_retry: float = 1.0  # how often a standby replica tries the leader lock
    backoff_base: float = 0.5  # first retry delay of a failed row; doubles per attempt
    backoff_max: float = 30.0
    backlog_interval: float = 1.0  # how often the leader refreshes the backlog gauges
    request_timeout_ms: int = 10_000  # bounds metadata waits and unacknowledged sends


@dataclass(frozen=True, slots=True)
class _Row:
    id: Any
    topic: str
    key: str
    payload: str
    retry_count: int
    max_retries: int


async def outbox_backlog(conn: asyncpg.Connection) -> tuple[int, float]:
    """(rows still to publish, age in seconds of the oldest of them)."""
    record = await conn.fetchrow(_BACKLOG)
    assert record is not None
    return int(record["rows"]), float(record["age"])


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


class OutboxRelay:
    def __init__(self, config: RelayConfig, metrics: SyncMetrics | None = None) -> None:
        self.config = config
        self.metrics = metrics or default_metrics()
        # (topic, key) -> monotonic time before which that key's rows are not retried
        self._held: dict[tuple[str, str], float] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Lead or stand by until ``stop`` is set; survives database and broker outages by retrying."""
        while not stop.is_set():
            try:
                await self._session(stop)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError) as exc:
                # Database gone or broker unreachable: the lock went with the connection; wait and compete for
                # leadership again rather than exiting.
                fields = {"database": self.config.database, "error": f"{type(exc).__name__}: {exc}"}
                log.warning("relay session ended; retrying", extra={"fields": fields})
                await _sleep_unless(stop, self.config.standby_retry)
            except Exception:
                log.exception("relay session crashed; retrying", extra={"fields": {"database": self.config.database}})
                await _sleep_unless(stop, self.config.standby_retry)

    async def _session(self, stop: asyncio.Event) -> None:
        conn = await asyncpg.connect(self.config.dsn, command_timeout=30)
        leader = self.metrics.relay_leader.labels(self.config.database)
        leader.set(0)  # a standby reports 0, not "no data"
        try:
            while not stop.is_set():
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK_KEY):
                    leader.set(1)
                    log.info("relay is leader", extra={"fields": {"database": self.config.database}})
                    await self._lead(conn, stop)
                    return
                await _sleep_unless(stop, self.config.standby_retry)
        finally:
            leader.set(0)
            # Closing the session releases the advisory lock, so a standby takes over at its next try.
            await conn.close(timeout=5)

    async def _lead(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        self._held.clear()  # backoff state of an earlier session is stale: retry those rows now
        async with create_producer(self.config.bootstrap, request_timeout_ms=self.config.request_timeout_ms) as prod:
            sleep = self.config.busy_sleep
            next_backlog = 0.0
            while not stop.is_set():
                published = await self.relay_batch(conn, prod)
                if time.monotonic() >= next_backlog:
                    await self.refresh_backlog(conn)
                    next_backlog = time.monotonic() + self.config.backlog_interval
                if published >= self.config.batch_size:
                    await asyncio.sleep(0)  # more is waiting: poll again at once
                    continue
                sleep = self.config.busy_sleep if published else min(self.config.idle_sleep, sleep * 2)
                await _sleep_unless(stop, sleep)

    async def refresh_backlog(self, conn: asyncpg.Connection) -> None:
        rows, age = await outbox_backlog(conn)
        self.metrics.outbox_backlog.labels(self.config.database).set(rows)
        self.metrics.outbox_oldest_age.labels(self.config.database).set(age)

    async def relay_batch(self, conn: asyncpg.Connection, producer: AIOKafkaProducer) -> int:
        """Publish one batch in seq order, wait for every ack, then record the outcome of each row.

        Returns how many rows were published. A row is marked published only after its ack, so a crash anywhere
        in here republishes (at least once) rather than loses.
        """
        now = time.monotonic()
        self._held = {key: until for key, until in self._held.items() if until > now}
        held_topics = [topic for topic, _ in self._held]
        held_keys = [key for _, key in self._held]
        records = await conn.fetch(_SELECT_BATCH, self.config.batch_size, held_topics, held_keys)
        if not records:
            return 0
        rows = [_Row(r["id"], r["topic"], r["key"], r["payload"], r["retry_count"], r["max_retries"]) for r in records]
        outcomes = await self._send_all(producer, rows)
        published = [row for row, outcome in zip(rows, outcomes, strict=True) if outcome is None]
        failed = [(row, outcome) for row, outcome in zip(rows, outcomes, strict=True) if outcome is not None]
        if published:
            await conn.execute(_MARK_PUBLISHED, [row.id for row in published])
            by_topic: dict[str, int] = {}
            for row in published:
                by_topic[row.topic] = by_topic.get(row.topic, 0) + 1
            for topic, count in by_topic.items():
                self.metrics.outbox_published.labels(self.config.database, topic).inc(count)
        if failed:
            await self._record_failures(conn, failed)
        return len(published)

    async def _send_all(self, producer: AIOKafkaProducer, rows: list[_Row]) -> list[BaseException | None]:
        # send() only enqueues (it awaits when the buffer is full or topic metadata is missing); the returned
        # futures resolve on the broker's ack. Enqueueing in order keeps each partition's order.
        pending: list[Awaitable[Any] | BaseException] = []
        dead_topics: dict[str, BaseException] = {}
        for row in rows:
            if row.topic in dead_topics:
                pending.append(dead_topics[row.topic])
                continue
            try:
                pending.append(await producer.send(row.topic, value=row.payload.encode(), key=row.key.encode()))
            except (UnknownTopicOrPartitionError, KafkaTimeoutError) as exc:
                # Metadata for the topic never arrived (e.g. the topic does not exist and auto-create is off):
                # don't wait request_timeout_ms again for each of this topic's rows.
                dead_topics[row.topic] = exc
                pending.append(exc)
            except KafkaError as exc:
                pending.append(exc)
        acks = [item for item in pending if not isinstance(item, BaseException)]
        results = iter(await asyncio.gather(*acks, return_exceptions=True))
        outcomes: list[BaseException | None] = []
        for item in pending:
            if isinstance(item, BaseException):
                outcomes.append(item)
            else:
                result = next(results)
                outcomes.append(result if isinstance(result, BaseException) else None)
        return outcomes

    async def _record_failures(self, conn: asyncpg.Connection, failed: list[tuple[_Row, BaseException]]) -> None:
        messages = [f"{type(error).__name__}: {error}"[:2000] for _, error in failed]
        args = [(row.id, message) for (row, _), message in zip(failed, messages, strict=True)]
        await conn.executemany(_MARK_ATTEMPT_FAILED, args)
        self.metrics.outbox_send_errors.labels(self.config.database).inc(len(failed))
        for (row, _), message in zip(failed, messages, strict=True):
            attempts = row.retry_count + 1
            fields = {"database": self.config.database, "outbox_id": str(row.id), "topic": row.topic, "error": message}
            if attempts >= row.max_retries:
                # Given up: the key is released so the aggregate's later events flow again; an operator can reset
                # retry_count (or raise max_retries) to have the row retried.
                self.metrics.outbox_failed.labels(self.config.database).inc()
                self._held.pop((row.topic, row.key), None)
                log.error("outbox row failed permanently", extra={"fields": {**fields, "attempts": attempts}})
                continue
            delay = min(self.config.backoff_max, self.config.backoff_base * 2.0 ** (attempts - 1))
            self._held[(row.topic, row.key)] = time.monotonic() + delay
            log.warning("outbox publish failed; will retry", extra={"fields": {**fields, "retry_in_s": delay}})
