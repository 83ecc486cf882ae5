"""What a service hands to the generic Kafka consumer runner (``sync.consumer``): its consumer name, the topics it
reads, its database pool and one handler per event type.

The runner, not the service, owns the Kafka loop and idempotency: for each message it opens a transaction on
``pool``, inserts ``(name, event id)`` into the service's ``processed_events`` inbox, and only if that row is new
calls the handler on the same connection, so the effect and the inbox row commit together. Handlers therefore
write through ``conn`` only (they may also call idempotent external operations such as the Redis engine, which
must tolerate a repeat when the transaction is retried).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import asyncpg

from services.shared.envelope import EventEnvelope

__all__ = ["ConsumerDefinition", "EventHandler"]

EventHandler = Callable[[asyncpg.Connection, EventEnvelope], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerDefinition:
    name: str  # Kafka consumer group and the inbox's ``consumer`` column
    topics: tuple[str, ...]
    pool: asyncpg.Pool
    handlers: Mapping[str, EventHandler]  # event type -> handler; other types on the topics are acknowledged
    # Called after the transaction of a handled event committed (e.g. to publish follow-up signals).
    after_commit: Callable[[EventEnvelope], Awaitable[None]] | None = field(default=None)
