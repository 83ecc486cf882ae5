"""Writing outbox rows: always on the caller's connection, inside the caller's transaction.

Connections must come from ``services.shared.db.create_pool`` (JSONB encoded by orjson).
The row carries the full envelope as ``payload`` so the relay publishes it byte for byte; ``partition_key`` is the
aggregate id so Kafka keeps one aggregate's events in order.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from services.shared.envelope import EventEnvelope

__all__ = ["write_outbox", "write_outbox_many"]

_INSERT = """
INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, topic, partition_key)
VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
"""


def _row(envelope: EventEnvelope, topic: str) -> tuple[Any, ...]:
    return (
        envelope.id,
        envelope.aggregate_type,
        envelope.aggregate_id,
        envelope.type,
        envelope.to_dict(),
        topic,
        envelope.aggregate_id,
    )


async def write_outbox(conn: asyncpg.Connection, envelope: EventEnvelope, topic: str) -> None:
    """Insert one outbox row. Call inside the transaction that makes the change the event describes."""
    if not conn.is_in_transaction():
        raise RuntimeError("write_outbox must run inside the transaction of the change it describes")
    await conn.execute(_INSERT, *_row(envelope, topic))


async def write_outbox_many(conn: asyncpg.Connection, items: list[tuple[EventEnvelope, str]]) -> None:
    """Insert many outbox rows in one round trip (group commit)."""
    if not conn.is_in_transaction():
        raise RuntimeError("write_outbox_many must run inside the transaction of the changes it describes")
    await conn.executemany(_INSERT, [_row(envelope, topic) for envelope, topic in items])
