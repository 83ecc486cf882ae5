-- Migration 0002 for booking_db: the consumer inbox.
-- Idempotent consumers (payment.completed / payment.failed): one row per (consumer, event id), inserted in the
-- same transaction as the effect, so a duplicated or replayed event changes nothing twice.
CREATE TABLE processed_events (
    consumer VARCHAR(100) NOT NULL,
    event_id UUID NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (consumer, event_id)
);
