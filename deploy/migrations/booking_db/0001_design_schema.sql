-- Migration 0001 for booking_db: the design document's schema (shared/seed/database-per-service-design.md), verbatim
-- except where marked 'CHANGED:' (the smallest change that makes it valid PostgreSQL).
-- booking_db

CREATE TABLE bookings (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    -- External references (no FK, just IDs)
    tenant_id UUID NOT NULL,
    user_id UUID NOT NULL,
    event_id UUID NOT NULL,
    show_id UUID NOT NULL,
    zone_id UUID NOT NULL,

    -- Denormalized snapshot at booking time (immutable)
    event_name VARCHAR(255) NOT NULL,
    show_date DATE NOT NULL,
    show_time TIMETZ NOT NULL,
    zone_name VARCHAR(100) NOT NULL,
    venue_name VARCHAR(255),

    -- Booking details
    quantity INT NOT NULL CHECK (quantity > 0),
    unit_price DECIMAL(12, 2) NOT NULL,
    total_amount DECIMAL(12, 2) NOT NULL,
    currency VARCHAR(3) DEFAULT 'THB',

    -- Status
    status VARCHAR(20) DEFAULT 'reserved',
    status_reason TEXT,

    -- Idempotency & confirmation
    idempotency_key VARCHAR(255) UNIQUE,
    confirmation_code VARCHAR(20),

    -- External payment reference (no FK)
    payment_id UUID,

    -- Timestamps
    reserved_at TIMESTAMPTZ,
    reservation_expires_at TIMESTAMPTZ,
    confirmed_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    cancelled_by UUID,

    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

-- Transactional Outbox for event publishing
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

-- Indexes
CREATE INDEX idx_bookings_tenant_id ON bookings(tenant_id);
CREATE INDEX idx_bookings_user_id ON bookings(user_id);
CREATE INDEX idx_bookings_event_id ON bookings(event_id);
CREATE INDEX idx_bookings_show_id ON bookings(show_id);
CREATE INDEX idx_bookings_status ON bookings(status);
CREATE INDEX idx_bookings_idempotency ON bookings(idempotency_key);
CREATE INDEX idx_bookings_user_history ON bookings(user_id, created_at DESC);
CREATE INDEX idx_bookings_pending_expired ON bookings(reservation_expires_at)
    WHERE status = 'reserved';

CREATE INDEX idx_outbox_pending ON outbox(created_at) WHERE status = 'pending';
CREATE INDEX idx_outbox_failed ON outbox(created_at) WHERE status = 'failed' AND retry_count < max_retries;
