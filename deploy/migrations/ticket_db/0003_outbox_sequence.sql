-- Migration 0003 for ticket_db: an insertion-order sequence on the outbox.
-- created_at is the writing transaction's START time, so two events of one aggregate written by consecutive
-- transactions can carry timestamps in the wrong order, and rows of one transaction tie. A bigserial is drawn at
-- INSERT time: writers of one aggregate are serialised by the aggregate's row lock, so their seq values follow
-- commit order, and the rows of one transaction follow insertion order. The relay publishes in seq order.
ALTER TABLE outbox ADD COLUMN seq BIGSERIAL;
CREATE INDEX idx_outbox_pending_seq ON outbox(seq) WHERE status = 'pending';
CREATE INDEX idx_outbox_failed_seq ON outbox(seq) WHERE status = 'failed' AND retry_count < max_retries;
