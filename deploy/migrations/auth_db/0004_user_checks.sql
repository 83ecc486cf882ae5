-- Migration 0004 for auth_db: invariants auth-service relies on, enforced by the database too.
-- The design document's users.role is a free VARCHAR and email uniqueness is case-sensitive; the service only
-- ever writes the three roles of services.shared.tokens.ROLES and lower-cased emails, so a row breaking either
-- rule is a bug (or a manual edit) that would let "A@x" and "a@x" coexist or mint tokens with an unknown role.
-- NOT VALID: existing rows are not re-checked at migration time (a live auth_db may predate the rules); new and
-- updated rows are.
ALTER TABLE users
    ADD CONSTRAINT users_role_known CHECK (role IN ('customer', 'organizer', 'admin')) NOT VALID,
    ADD CONSTRAINT users_email_lower CHECK (email = lower(email)) NOT VALID;
