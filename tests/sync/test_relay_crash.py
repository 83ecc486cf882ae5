"""A relay killed with SIGKILL mid-stream loses nothing; the inbox turns its re-publishes into no-ops."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter

import asyncpg

from services.shared.envelope import EventEnvelope
from tests.sync.conftest import TopicFactory
from tests.sync.support import (
    APPLIED_TABLE,
    count_status,
    envelope,
    new_metrics,
    read_topic,
    recording_definition,
    running_consumer,
    sample,
    wait_until,
    write_rows,
)

TOTAL = 3000
CHUNK = 50


def _start_relay(dsn: str, bootstrap: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BR_BOOKING_DB_DSN": dsn, "BR_KAFKA_BOOTSTRAP": bootstrap}
    command = [sys.executable, "-m", "sync", "relay", "--db", "booking_db", "--batch-size", "100"]
    command += ["--idle-sleep", "0.05", "--standby-retry", "0.2", "--log-level", "WARNING"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


async def test_sigkilled_relay_restarts_and_every_event_is_applied_once(
    booking_pool: asyncpg.Pool, booking_dsn: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic(partitions=3)
    await booking_pool.execute(APPLIED_TABLE)
    events = [envelope(str(uuid.uuid4()), seq=i) for i in range(TOTAL)]

    async def writer() -> None:
        for start in range(0, TOTAL, CHUNK):
            await write_rows(booking_pool, [(e, topic) for e in events[start : start + CHUNK]], one_tx=True)
            await asyncio.sleep(0.01)

    writing = asyncio.create_task(writer())
    relay = _start_relay(booking_dsn, kafka_bootstrap)
    try:
        await wait_until(lambda: _published_at_least(booking_pool, 600), what="the relay publishing")
        relay.send_signal(signal.SIGKILL)
        await asyncio.to_thread(relay.wait, 10)
        at_kill = await count_status(booking_pool, "published")
        assert at_kill < TOTAL  # killed mid-stream
        relay = _start_relay(booking_dsn, kafka_bootstrap)
        await writing
        await wait_until(lambda: _published_at_least(booking_pool, TOTAL), within=40, what="every row published")
    finally:
        writing.cancel()
        relay.terminate()
        assert await asyncio.to_thread(relay.wait, 15) == 0  # SIGTERM: graceful exit

    records = await read_topic(kafka_bootstrap, topic, 3)
    seen = Counter(EventEnvelope.from_json(record.value).id for record in records)
    assert set(seen) == {e.id for e in events}  # every row reached Kafka
    repeats = sum(seen.values()) - TOTAL
    assert repeats <= 100  # at most the one batch in flight when the relay died (at-least-once)

    name = f"test-crash-{uuid.uuid4().hex[:8]}"
    metrics = new_metrics()
    async with running_consumer(recording_definition(name, (topic,), booking_pool), kafka_bootstrap, metrics):

        async def all_handled() -> bool:
            applied = sample(metrics, "consumer_events_applied_total", group=name, type="test.happened")
            return applied + sample(metrics, "consumer_duplicates_skipped_total", group=name) >= len(records)

        await wait_until(all_handled, within=40, what="every message consumed")
    assert await booking_pool.fetchval("SELECT count(*) FROM applied") == TOTAL
    assert await booking_pool.fetchval("SELECT count(DISTINCT event_id) FROM applied") == TOTAL
    assert sample(metrics, "consumer_duplicates_skipped_total", group=name) == repeats


async def _published_at_least(pool: asyncpg.Pool, expected: int) -> bool:
    return await count_status(pool, "published") >= expected
