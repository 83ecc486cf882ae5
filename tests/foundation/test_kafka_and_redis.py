"""Kafka is a real broker with the design document's topics; Redis persists with AOF."""

from __future__ import annotations

import uuid

import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from services.shared.topics import ALL_TOPICS

DESIGN_TOPICS = {
    "auth.users",
    "auth.tenants",
    "ticket.events",
    "ticket.inventory",
    "booking.transactions",
    "payment.transactions",
}


async def test_design_topics_exist(kafka_bootstrap: str) -> None:
    assert set(ALL_TOPICS) == DESIGN_TOPICS
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        assert set(await admin.list_topics()) >= DESIGN_TOPICS
    finally:
        await admin.close()


async def test_broker_accepts_a_message_and_a_group_consumer_reads_it_back(kafka_bootstrap: str) -> None:
    topic = f"test.roundtrip.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name=topic, num_partitions=3, replication_factor=1)])
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
        async with producer:
            metadata = await producer.send_and_wait(topic, b"hello", key=b"k1")
        assert metadata.offset >= 0
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka_bootstrap,
            group_id=f"test-group-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        async with consumer:
            batch = await consumer.getmany(timeout_ms=15_000, max_records=10)
            while not batch:
                batch = await consumer.getmany(timeout_ms=15_000, max_records=10)
            records = [record for records in batch.values() for record in records]
            await consumer.commit()
        assert [(r.key, r.value) for r in records] == [(b"k1", b"hello")]
    finally:
        await admin.delete_topics([topic])
        await admin.close()


async def test_redis_is_version_7_with_append_only_file_every_second(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    try:
        info = await client.info("server")
        assert str(info["redis_version"]).startswith("7.")
        assert (await client.config_get("appendonly"))["appendonly"] == "yes"
        assert (await client.config_get("appendfsync"))["appendfsync"] == "everysec"
        persistence = await client.info("persistence")
        assert persistence["aof_enabled"] == 1
    finally:
        await client.aclose()
