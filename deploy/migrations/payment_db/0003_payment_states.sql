-- Migration 0003 for payment_db: payment states and tenant lookups.
-- 1. The design document leaves payments.status free text with a nullable default. payment-service moves a
--    payment through exactly these states (docs/payment.md): pending -> processing -> completed | failed, pending
--    or processing -> cancelled, completed -> refunded; processing -> pending when the gateway is unavailable.
--    A CHECK makes a typo in any writer fail loudly instead of creating a state nobody handles.
-- 2. A cancellation has no column of its own (refund_* is for money returned); record when and why.
UPDATE payments SET status = 'pending' WHERE status IS NULL;
ALTER TABLE payments
    ALTER COLUMN status SET NOT NULL,
    ADD CONSTRAINT payments_status_check
        CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled', 'refunded')),
    ADD COLUMN cancelled_at TIMESTAMPTZ,
    ADD COLUMN cancel_reason VARCHAR(50);
