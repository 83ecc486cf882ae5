-- Migration 0002 for payment_db.
-- 1. The design document's payment outbox lacks the retry bookkeeping its booking outbox has; the relay marks a
--    row 'failed' after max_retries and keeps the error, so add the same columns and index.
ALTER TABLE outbox
    ADD COLUMN max_retries INT DEFAULT 5,
    ADD COLUMN last_error TEXT,
    ADD COLUMN processed_at TIMESTAMPTZ;
CREATE INDEX idx_outbox_failed ON outbox(created_at) WHERE status = 'failed' AND retry_count < max_retries;

-- 2. The consumer inbox (booking.reserved / booking.cancelled): one row per (consumer, event id), inserted in the
--    same transaction as the effect.
CREATE TABLE processed_events (
    consumer VARCHAR(100) NOT NULL,
    event_id UUID NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (consumer, event_id)
);
