"""Prometheus metrics of the outbox relays and the consumer runner.

One ``SyncMetrics`` per registry: the CLI uses the process-wide default registry (served by
``prometheus_client.start_http_server``); tests pass their own registry so parallel scenarios never collide.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge

__all__ = ["SyncMetrics", "default_metrics"]


class SyncMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        # --- outbox relay (label: database, e.g. booking_db)
        self.outbox_backlog = Gauge(
            "outbox_backlog_rows",
            "Outbox rows waiting to be published (pending, or failed and still retriable)",
            ["database"],
            registry=registry,
        )
        self.outbox_oldest_age = Gauge(
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox row waiting to be published (0 when none)",
            ["database"],
            registry=registry,
        )
        self.outbox_published = Counter(
            "outbox_published_total",
            "Outbox rows acknowledged by Kafka and marked published",
            ["database", "topic"],
            registry=registry,
        )
        self.outbox_send_errors = Counter(
            "outbox_send_errors_total",
            "Failed publish attempts (each bumps the row's retry_count)",
            ["database"],
            registry=registry,
        )
        self.outbox_failed = Counter(
            "outbox_failed_total",
            "Outbox rows that exhausted max_retries and were marked 'failed'",
            ["database"],
            registry=registry,
        )
        self.relay_leader = Gauge(
            "outbox_relay_leader",
            "1 while this process holds the outbox's leader lock, else 0",
            ["database"],
            registry=registry,
        )
        # --- consumer runner (label: group = ConsumerDefinition.name unless overridden)
        self.consumer_lag = Gauge(
            "consumer_lag_messages",
            "Messages not yet applied: partition high watermark minus the next offset to apply",
            ["group", "topic", "partition"],
            registry=registry,
        )
        self.events_applied = Counter(
            "consumer_events_applied_total",
            "Events whose handler ran and committed with the inbox row",
            ["group", "type"],
            registry=registry,
        )
        self.duplicates_skipped = Counter(
            "consumer_duplicates_skipped_total",
            "Events already in the inbox (redelivery, replay): handler not called",
            ["group"],
            registry=registry,
        )
        self.events_ignored = Counter(
            "consumer_events_ignored_total",
            "Valid events of a type this consumer has no handler for (acknowledged)",
            ["group"],
            registry=registry,
        )
        self.poison_messages = Counter(
            "consumer_poison_messages_total",
            "Messages that are not a valid event envelope (logged and skipped)",
            ["group"],
            registry=registry,
        )
        self.handler_errors = Counter(
            "consumer_handler_errors_total",
            "Handler attempts that raised (the transaction rolled back; the event is retried)",
            ["group"],
            registry=registry,
        )


_default: SyncMetrics | None = None


def default_metrics() -> SyncMetrics:
    """The process-wide metrics on prometheus_client's default registry (created once)."""
    global _default
    if _default is None:
        _default = SyncMetrics(REGISTRY)
    return _default
