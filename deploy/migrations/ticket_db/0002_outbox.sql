-- Migration 0002 for ticket_db: a transactional outbox.
-- The design document lists ticket-service's events (event.*, show.*, zone.*) but gives ticket_db no outbox table; the
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

-- Inventory invariants enforced by the database itself (issue: "ticket_db refuses sold + reserved > total or
-- negative counts"), so no consumer bug can write an impossible zone.
ALTER TABLE seat_zones
    ADD CONSTRAINT seat_zones_counts_non_negative
        CHECK (total_seats >= 0 AND available_seats >= 0 AND reserved_seats >= 0 AND sold_seats >= 0),
    ADD CONSTRAINT seat_zones_available_within_total CHECK (available_seats <= total_seats),
    ADD CONSTRAINT seat_zones_held_within_total CHECK (sold_seats + reserved_seats <= total_seats),
    ADD CONSTRAINT seat_zones_order_limits CHECK (min_per_order >= 1 AND max_per_order >= min_per_order),
    ADD CONSTRAINT seat_zones_price_non_negative CHECK (price >= 0);
ALTER TABLE shows
    ADD CONSTRAINT shows_counts_non_negative
        CHECK (total_capacity >= 0 AND reserved_count >= 0 AND sold_count >= 0);

-- Idempotent consumers: one row per (consumer, event id), inserted in the same transaction as the effect.
CREATE TABLE processed_events (
    consumer VARCHAR(100) NOT NULL,
    event_id UUID NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (consumer, event_id)
);
