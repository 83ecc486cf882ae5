-- Migration 0003 for booking_db: Stripe-style idempotency for POST /api/v1/bookings.
-- request_hash: SHA-256 (hex) of the canonical request body, so a reused Idempotency-Key with a DIFFERENT body
--   is answered 422 idempotency_key_reused instead of replaying the original booking. NULL for rows not created
--   through the API.
-- idempotency_key is scoped per user ("<user uuid>:<client key>", 36 + 1 + up to 255 chars), so it is widened
--   from 255 to 300; widening a VARCHAR is a catalog-only change (no table or index rewrite).
ALTER TABLE bookings ADD COLUMN request_hash CHAR(64);
ALTER TABLE bookings ALTER COLUMN idempotency_key TYPE VARCHAR(300);
