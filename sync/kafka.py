"""Kafka client factories: every producer and consumer in ``sync`` is built here, so the delivery settings the
outbox and the inbox rely on are written down exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.shared.settings import DEFAULT_KAFKA_BOOTSTRAP, env_str

__all__ = ["bootstrap_from_env", "create_consumer", "create_producer"]


def bootstrap_from_env(environ: Mapping[str, str]) -> str:
    return env_str(environ, "BR_KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)


def create_producer(bootstrap: str, *, request_timeout_ms: int = 10_000, **overrides: Any) -> AIOKafkaProducer:
    """A producer for the outbox relay; use it as ``async with create_producer(...) as producer``.

    aiokafka's defaults are ``acks=1`` and no idempotence: a leader failover could then lose an acknowledged
    message, or an internal retry could write it twice / out of order. The relay marks a row published only on
    the broker's ack, so the ack must mean "on every in-sync replica" and retries must not reorder one key.
    """
    settings: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 2,  # a few ms of batching makes one relay batch a handful of produce requests
        "request_timeout_ms": request_timeout_ms,
        "client_id": "booking-rush-outbox-relay",
    }
    settings.update(overrides)
    return AIOKafkaProducer(**settings)


def create_consumer(bootstrap: str, group_id: str, topics: tuple[str, ...], **overrides: Any) -> AIOKafkaConsumer:
    """A group consumer for the idempotent runner: offsets are committed by hand, after the inbox transaction."""
    settings: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "group_id": group_id,
        "enable_auto_commit": False,  # never acknowledge an event the database has not committed
        "auto_offset_reset": "earliest",  # a new group starts from the oldest retained event, not "now"
        "max_poll_records": 500,
        "client_id": f"booking-rush-{group_id}",
    }
    settings.update(overrides)
    return AIOKafkaConsumer(*topics, **settings)
