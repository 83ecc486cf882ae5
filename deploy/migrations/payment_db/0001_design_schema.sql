-- Migration 0001 for payment_db: the design document's schema (shared/seed/database-per-service-design.md), verbatim
-- except where marked 'CHANGED:' (the smallest change that makes it valid PostgreSQL).
-- payment_db

CREATE TABLE payments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    -- External references (no FK)
    booking_id UUID NOT NULL UNIQUE,
    user_id UUID NOT NULL,

    -- Payment details
    amount DECIMAL(12, 2) NOT NULL CHECK (amount > 0),
    currency VARCHAR(3) NOT NULL DEFAULT 'THB',
    method VARCHAR(20) NOT NULL,

    -- Status
    status VARCHAR(20) DEFAULT 'pending',

    -- Gateway info
    gateway VARCHAR(50),
    gateway_payment_id VARCHAR(255),
    gateway_charge_id VARCHAR(255),
    gateway_response JSONB,

    -- Idempotency
    idempotency_key VARCHAR(255) UNIQUE,

    -- Card details (masked)
    card_last_four VARCHAR(4),
    card_brand VARCHAR(20),

    -- Timestamps
    initiated_at TIMESTAMPTZ DEFAULT NOW(),
    processed_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,

    -- Refund
    refund_amount DECIMAL(12, 2),
    refund_reason TEXT,
    refunded_at TIMESTAMPTZ,

    -- Error handling
    error_code VARCHAR(50),
    error_message TEXT,
    retry_count INT DEFAULT 0,

    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

-- Transactional Outbox
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
    created_at TIMESTAMPTZ DEFAULT NOW(),
    published_at TIMESTAMPTZ
);

-- Indexes
CREATE INDEX idx_payments_booking_id ON payments(booking_id);
CREATE INDEX idx_payments_user_id ON payments(user_id);
CREATE INDEX idx_payments_status ON payments(status);
CREATE INDEX idx_payments_gateway_id ON payments(gateway_payment_id);
CREATE INDEX idx_payments_pending ON payments(created_at) WHERE status IN ('pending', 'processing');

CREATE INDEX idx_outbox_pending ON outbox(created_at) WHERE status = 'pending';
