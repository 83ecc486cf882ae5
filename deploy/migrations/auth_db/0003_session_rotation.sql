-- Migration 0003 for auth_db: refresh-token rotation with reuse detection.
-- The design document's sessions table stores one refresh-token hash per row but cannot tell a token that was
-- already exchanged from a live one, nor which rows came from the same login. auth-service rotates the refresh
-- token on every use and, when a rotated token is presented again (it was stolen or replayed), revokes every
-- session descending from that login. That needs:
--   family_id    - the id shared by all sessions from one login (the first session's id);
--   tenant_id    - the user's tenant, so a tenant can be cut off without joining users;
--   rotated_at / replaced_by - set when the token was exchanged, and for which session;
--   revoked_at / revoked_reason - logout, reuse detection, account or tenant disabled.
-- Existing rows are backfilled (each its own family); sessions whose user no longer exists cannot be refreshed
-- anyway and are deleted so tenant_id can be NOT NULL.
ALTER TABLE sessions
    ADD COLUMN family_id UUID,
    ADD COLUMN tenant_id UUID,
    ADD COLUMN rotated_at TIMESTAMPTZ,
    ADD COLUMN replaced_by UUID,
    ADD COLUMN revoked_at TIMESTAMPTZ,
    ADD COLUMN revoked_reason VARCHAR(50);

UPDATE sessions SET family_id = id WHERE family_id IS NULL;
UPDATE sessions s SET tenant_id = u.tenant_id FROM users u WHERE u.id = s.user_id AND s.tenant_id IS NULL;
DELETE FROM sessions WHERE tenant_id IS NULL;

ALTER TABLE sessions
    ALTER COLUMN family_id SET NOT NULL,
    ALTER COLUMN tenant_id SET NOT NULL;

-- A refresh token is looked up by its hash on every refresh; hashes of 256-bit random tokens never collide, and
-- the unique index makes that an invariant rather than an assumption.
CREATE UNIQUE INDEX idx_sessions_refresh_token_hash ON sessions(refresh_token_hash);
CREATE INDEX idx_sessions_family_id ON sessions(family_id);
CREATE INDEX idx_sessions_tenant_id ON sessions(tenant_id);
