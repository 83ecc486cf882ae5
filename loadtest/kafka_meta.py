"""Partition lists from the broker. ``AIOKafkaConsumer.partitions_for_topic`` only knows topics the consumer
subscribed to (``topics()`` fetches metadata into a throw-away object), so ask the admin client instead."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

__all__ = ["topic_partitions"]


async def topic_partitions(admin: AIOKafkaAdminClient, topics: Iterable[str]) -> list[TopicPartition]:
    described = await admin.describe_topics(sorted(set(topics)))
    return sorted(
        (TopicPartition(str(t["topic"]), int(p["partition"])) for t in described for p in t["partitions"]),
        key=lambda tp: (tp.topic, tp.partition),
    )
