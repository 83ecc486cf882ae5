"""Server-side generator for a realistic shared ``booking_rush`` database (generate_series: ~80k rows in seconds).

Values are deterministic functions of the row number, so expected sums can be computed in SQL on the source.
A few rows exercise the edge cases the split must handle: events without a venue (venue_name NULL snapshot),
payments whose status is NULL (payment_db requires it), sessions (their tenant_id is derived from users).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SeedSize", "seed_sql"]


@dataclass(frozen=True, slots=True)
class SeedSize:
    tenants: int = 5
    users: int = 20_000
    sessions: int = 5_000
    categories: int = 10
    events: int = 200
    shows: int = 600
    zones: int = 2_000
    bookings: int = 30_000
    payments: int = 20_000


def seed_sql(n: SeedSize) -> str:
    return f"""
INSERT INTO tenants (name, slug, domain, settings)
SELECT 'Tenant ' || i, 'tenant-' || i, 't' || i || '.example.com', jsonb_build_object('tier', i % 3)
FROM generate_series(1, {n.tenants}) i;

CREATE TEMP TABLE tn AS SELECT row_number() OVER (ORDER BY slug) - 1 AS n, id FROM tenants;

INSERT INTO users (tenant_id, email, password_hash, name, phone, role, metadata, created_at, updated_at)
SELECT tn.id, 'user' || i || '@example.com', 'argon2$' || md5(i::text), 'User ' || i, '08' || lpad(i::text, 8, '0'),
       CASE WHEN i % 100 = 0 THEN 'organizer' ELSE 'customer' END, jsonb_build_object('n', i),
       now() - make_interval(days => i % 365), now() - make_interval(days => i % 30)
FROM generate_series(1, {n.users}) i JOIN tn ON tn.n = i % {n.tenants};

CREATE TEMP TABLE un AS SELECT row_number() OVER (ORDER BY email) - 1 AS n, id, tenant_id FROM users;

INSERT INTO sessions (user_id, refresh_token_hash, user_agent, ip_address, expires_at)
SELECT un.id, md5('rt' || i), 'agent/' || (i % 7), ('10.' || (i / 65536) % 256 || '.' || (i / 256) % 256 || '.'
       || i % 256)::inet, now() + make_interval(days => 1 + i % 30)
FROM generate_series(1, {n.sessions}) i JOIN un ON un.n = i % {n.users};

INSERT INTO categories (tenant_id, name, slug, sort_order)
SELECT tn.id, 'Category ' || i, 'cat-' || i, i
FROM generate_series(1, {n.categories}) i JOIN tn ON tn.n = i % {n.tenants};

CREATE TEMP TABLE cn AS SELECT row_number() OVER (ORDER BY slug) - 1 AS n, id, tenant_id FROM categories;

INSERT INTO events (tenant_id, organizer_id, category_id, name, slug, venue_name, city, latitude, longitude, status,
                    gallery, max_tickets_per_user)
SELECT cn.tenant_id, un.id, cn.id, 'Event ' || i, 'event-' || i,
       CASE WHEN i % 50 = 0 THEN NULL ELSE 'Venue ' || (i % 37) END, 'Bangkok', 13.75 + i / 10000.0,
       100.5 + i / 10000.0, 'published', jsonb_build_array('p' || i || '.jpg'), 4 + i % 6
FROM generate_series(1, {n.events}) i
JOIN cn ON cn.n = i % {n.categories}
JOIN un ON un.n = (i * 100) % {n.users};

CREATE TEMP TABLE en AS SELECT row_number() OVER (ORDER BY slug) - 1 AS n, id FROM events;

INSERT INTO shows (event_id, name, show_date, start_time, end_time, total_capacity, reserved_count, sold_count)
SELECT en.id, 'Show ' || i, date '2026-03-01' + i % 180,
       time with time zone '18:00:00+07' + make_interval(mins => 30 * (i % 5)),
       time with time zone '22:00:00+07', 3000 + i % 7, i % 40, i % 900
FROM generate_series(1, {n.shows}) i JOIN en ON en.n = i % {n.events};

CREATE TEMP TABLE shn AS SELECT row_number() OVER (ORDER BY name) - 1 AS n, id, event_id FROM shows;

INSERT INTO seat_zones (show_id, name, price, total_seats, available_seats, reserved_seats, sold_seats, attributes)
SELECT shn.id, 'Zone ' || i, 500 + (i % 10) * 250.50, 1000, 1000 - i % 300 - i % 50, i % 50, i % 300,
       jsonb_build_object('row', i % 26)
FROM generate_series(1, {n.zones}) i JOIN shn ON shn.n = i % {n.shows};

CREATE TEMP TABLE zn AS
SELECT row_number() OVER (ORDER BY z.name) - 1 AS n, z.id, z.show_id, z.price, s.event_id, e.tenant_id
FROM seat_zones z JOIN shows s ON s.id = z.show_id JOIN events e ON e.id = s.event_id;

INSERT INTO bookings (tenant_id, user_id, event_id, show_id, zone_id, quantity, unit_price, total_amount, status,
                      idempotency_key, confirmation_code, reserved_at, metadata)
SELECT zn.tenant_id, un.id, zn.event_id, zn.show_id, zn.id, 1 + i % 4, zn.price, zn.price * (1 + i % 4),
       (ARRAY['reserved', 'confirmed', 'confirmed', 'cancelled', 'expired'])[1 + i % 5], 'idem-' || i,
       upper(substr(md5('c' || i), 1, 10)), now() - make_interval(mins => i % 5000), jsonb_build_object('src', 'web')
FROM generate_series(1, {n.bookings}) i
JOIN zn ON zn.n = i % {n.zones}
JOIN un ON un.n = (i * 7) % {n.users};

INSERT INTO payments (booking_id, user_id, amount, method, status, gateway, gateway_response, idempotency_key,
                      card_last_four, card_brand, refund_amount)
SELECT b.id, b.user_id, b.total_amount, 'card',
       CASE WHEN b.rn % 97 = 0 THEN NULL ELSE (ARRAY['completed', 'failed', 'refunded', 'pending'])[1 + b.rn % 4] END,
       'stripe', jsonb_build_object('charge', 'ch_' || b.rn), 'pay-' || b.rn, lpad((b.rn % 10000)::text, 4, '0'),
       'visa',
       CASE WHEN b.rn % 4 = 2 THEN b.total_amount END
FROM (SELECT id, user_id, total_amount, row_number() OVER (ORDER BY idempotency_key) AS rn FROM bookings) b
WHERE b.rn <= {n.payments};

UPDATE bookings b SET payment_id = p.id FROM payments p WHERE p.booking_id = b.id;
ANALYZE;
"""
