-- Migration 0002 for auth_db: a transactional outbox.
-- The design document lists auth-service's events (user.*, tenant.*) but gives auth_db no outbox table; the
-- service writes its events in the same transaction as the change, so it needs one. Same shape as booking_db's.
CREATE TABLE outbox (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    aggregate_type VARCHAR(100) NOT NULL,
    aggregate_id UUID NOT NULL,
    event_type VARCHAR(100) NOT NULL,
    payload JSONB NOT NULL,
    topic VARCHAR(100) NOT NULL,
    partition_key VARCHAR(255),
    status VARCHAR(20) DEFAULT 'pending',
    retry_count INT DEFAULT 0,
    max_retries INT DEFAULT 5,
    last_error TEXT,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    processed_at TIMESTAMPTZ,
    published_at TIMESTAMPTZ
);
CREATE INDEX idx_outbox_pending ON outbox(created_at) WHERE status = 'pending';
CREATE INDEX idx_outbox_failed ON outbox(created_at) WHERE status = 'failed' AND retry_count < max_retries;
