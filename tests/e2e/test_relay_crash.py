"""The booking_db relay is killed with SIGKILL while bookings are being made, then restarted exactly as
deploy.processes runs it. Nothing may be lost (every booking.reserved reaches Kafka, every outbox row ends
published) and nothing applied twice (each booking gets exactly one payment, one payment.initiated), even though
the relay may re-publish the batch it was sending when it died (at-least-once; the consumer's inbox absorbs it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from deploy import processes
from services.shared.settings import DEFAULT_DSNS
from services.shared.topics import BOOKING_TRANSACTIONS
from tests.e2e.saga import reserve_ok
from tests.support.system import Actor, Sale, eventually, new_tenant

RELAY = "relay-booking_db"
CUSTOMERS = 8
BOOKINGS_PER_CUSTOMER = 8


def _restart_relay_if_down() -> None:
    """Start the relay with its production argv and environment (deploy.processes) if it is not running."""
    spec = next(spec for spec in processes.process_table(os.environ) if spec.name == RELAY)
    if processes._running_pid(RELAY) is None:
        assert processes.up([spec], os.environ) == 0


@pytest.fixture
def relay_restored(running_system: str) -> Iterator[None]:
    """Whatever happens in the test, the relay runs again afterwards: later tests need it."""
    try:
        yield
    finally:
        _restart_relay_if_down()


@pytest.fixture
async def client(running_system: str) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=CUSTOMERS * 2)
    async with httpx.AsyncClient(base_url=running_system, timeout=30, limits=limits) as http:
        yield http


async def _partitions(bootstrap: str) -> list[TopicPartition]:
    # The admin client, not consumer.topics(): that fetches metadata without updating the consumer's cached copy,
    # so consumer.partitions_for_topic() would still answer None for a topic it was never assigned.
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (topic,) = await admin.describe_topics([BOOKING_TRANSACTIONS])
    finally:
        await admin.close()
    assert topic["error_code"] == 0 and topic["partitions"], topic
    return [TopicPartition(BOOKING_TRANSACTIONS, p["partition"]) for p in topic["partitions"]]


async def _topic_end_offsets(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    offsets: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    return offsets


async def _reserved_in_kafka(
    consumer: AIOKafkaConsumer, start: dict[TopicPartition, int], end: dict[TopicPartition, int]
) -> Counter[str]:
    """booking.reserved messages per booking id between two offset snapshots (other tenants' traffic included)."""
    consumer.assign(list(start))
    for partition, offset in start.items():
        consumer.seek(partition, offset)
    seen: Counter[str] = Counter()
    remaining = {tp for tp in start if end[tp] > start[tp]}
    while remaining:
        batches = await consumer.getmany(timeout_ms=1000)
        for partition, messages in batches.items():
            for message in messages:
                event = orjson.loads(message.value)
                if event["type"] == "booking.reserved":
                    seen[str(event["data"]["booking_id"])] += 1
            if messages and messages[-1].offset + 1 >= end[partition]:
                remaining.discard(partition)
    return seen


async def _book_many(
    client: httpx.AsyncClient, buyers: list[Actor], sale: Sale, made: list[str], restarted: asyncio.Event
) -> None:
    """Bookings before, during and after the relay's outage: each buyer's last two wait for the restart."""

    async def one_buyer(buyer: Actor) -> None:
        for index in range(BOOKINGS_PER_CUSTOMER):
            if index == BOOKINGS_PER_CUSTOMER - 2:
                await restarted.wait()
            made.append(await reserve_ok(client, buyer, sale, 1))
            await asyncio.sleep(0.03)  # a steady stream rather than one burst

    await asyncio.gather(*(one_buyer(buyer) for buyer in buyers))


async def test_relay_killed_mid_stream_loses_nothing_and_duplicates_nothing(
    client: httpx.AsyncClient, relay_restored: None, kafka_bootstrap: str
) -> None:
    tenant = await new_tenant(client)
    sale = await tenant.sale([CUSTOMERS * BOOKINGS_PER_CUSTOMER])
    buyers = [await tenant.customer() for _ in range(CUSTOMERS)]
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await _partitions(kafka_bootstrap)
        start = await _topic_end_offsets(consumer, partitions)
        made: list[str] = []
        restarted = asyncio.Event()
        booking = asyncio.create_task(_book_many(client, buyers, sale, made, restarted))

        async def some_made() -> bool:
            return len(made) >= 10

        try:
            await eventually(some_made, interval_s=0.01)
            pid = processes._running_pid(RELAY)
            assert pid is not None, "the booking_db relay is not running"
            killed: int = pid

            async def relay_gone() -> bool:
                # If this pytest process started the relay (running_system found nothing running), the killed
                # relay is our child and stays a zombie, which os.kill(pid, 0) still sees as alive: reap it.
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(killed, os.WNOHANG)  # noqa: ASYNC222 - WNOHANG never blocks
                return processes._running_pid(RELAY) is None

            os.killpg(pid, signal.SIGKILL)  # its own process group (start_new_session): only the relay dies
            killed_at = len(made)
            await eventually(relay_gone, timeout_s=5)
            await asyncio.sleep(1.0)  # bookings keep coming while no relay publishes
            assert len(made) > killed_at, "no booking was made while the relay was down"
            _restart_relay_if_down()
        finally:
            restarted.set()
            await booking
        assert len(made) == len(set(made)) == CUSTOMERS * BOOKINGS_PER_CUSTOMER

        booking_db = await asyncpg.connect(DEFAULT_DSNS["booking_db"])
        payment_db = await asyncpg.connect(DEFAULT_DSNS["payment_db"])
        try:

            async def all_published() -> bool:
                rows = await booking_db.fetch(
                    "SELECT status FROM outbox WHERE aggregate_id = ANY($1::uuid[])"
                    " AND event_type = 'booking.reserved'",
                    made,
                )
                return len(rows) == len(made) and all(row["status"] == "published" for row in rows)

            await eventually(all_published)

            async def all_paid_for() -> bool:
                count = await payment_db.fetchval(
                    "SELECT count(DISTINCT booking_id) FROM payments WHERE booking_id = ANY($1::uuid[])", made
                )
                return bool(count == len(made))

            await eventually(all_paid_for)
            per_booking = await payment_db.fetch(
                "SELECT booking_id::text AS id, count(*) AS n FROM payments WHERE booking_id = ANY($1::uuid[]) "
                "GROUP BY booking_id",
                made,
            )
            assert {row["id"]: row["n"] for row in per_booking} == dict.fromkeys(made, 1)
            initiated = await payment_db.fetch(
                "SELECT payload->'data'->>'booking_id' AS id FROM outbox "
                "WHERE event_type = 'payment.initiated' AND payload->'data'->>'booking_id' = ANY($1::text[])",
                made,
            )
            assert Counter(row["id"] for row in initiated) == Counter(made)
            event_ids = await booking_db.fetch(
                "SELECT id FROM outbox WHERE aggregate_id = ANY($1::uuid[]) AND event_type = 'booking.reserved'", made
            )
            applied = await payment_db.fetchval(
                "SELECT count(*) FROM processed_events WHERE consumer = 'payment-saga' AND event_id = ANY($1::uuid[])",
                [row["id"] for row in event_ids],
            )
            assert applied == len(made)
        finally:
            await booking_db.close()
            await payment_db.close()

        in_kafka = await _reserved_in_kafka(consumer, start, await _topic_end_offsets(consumer, partitions))
        missing = set(made) - set(in_kafka)
        assert not missing, f"{len(missing)} booking.reserved never reached Kafka"
    finally:
        await consumer.stop()
