-- Migration 0001 for ticket_db: the design document's schema (shared/seed/database-per-service-design.md), verbatim
-- except where marked 'CHANGED:' (the smallest change that makes it valid PostgreSQL).
-- ticket_db

CREATE TABLE categories (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL,  -- Reference only
    name VARCHAR(100) NOT NULL,
    slug VARCHAR(100) NOT NULL,
    description TEXT,
    icon VARCHAR(50),
    sort_order INT DEFAULT 0,
    is_active BOOLEAN DEFAULT true,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ,

    CONSTRAINT unique_category_slug_per_tenant UNIQUE (tenant_id, slug)
);

CREATE TABLE events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL,      -- Reference to auth_db.tenants
    organizer_id UUID NOT NULL,   -- Reference to auth_db.users
    category_id UUID,             -- Local FK

    name VARCHAR(255) NOT NULL,
    slug VARCHAR(255) NOT NULL,
    description TEXT,
    short_description VARCHAR(500),

    poster_url TEXT,
    banner_url TEXT,
    gallery JSONB DEFAULT '[]',

    venue_name VARCHAR(255),
    venue_address TEXT,
    city VARCHAR(100),
    country VARCHAR(100),
    latitude DECIMAL(10, 8),
    longitude DECIMAL(11, 8),

    max_tickets_per_user INT DEFAULT 10,
    booking_start_at TIMESTAMPTZ,
    booking_end_at TIMESTAMPTZ,

    status VARCHAR(20) DEFAULT 'draft',
    is_featured BOOLEAN DEFAULT false,
    is_public BOOLEAN DEFAULT true,

    settings JSONB DEFAULT '{}',
    published_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ,

    CONSTRAINT unique_event_slug_per_tenant UNIQUE (tenant_id, slug),
    CONSTRAINT fk_category FOREIGN KEY (category_id) REFERENCES categories(id) ON DELETE SET NULL
);

CREATE TABLE shows (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id UUID NOT NULL REFERENCES events(id) ON DELETE CASCADE,

    name VARCHAR(255),
    show_date DATE NOT NULL,
    start_time TIMETZ NOT NULL,
    end_time TIMETZ,
    doors_open_at TIMETZ,

    status VARCHAR(20) DEFAULT 'scheduled',
    sale_start_at TIMESTAMPTZ,
    sale_end_at TIMESTAMPTZ,

    -- Denormalized counts (updated via triggers/events)
    total_capacity INT DEFAULT 0,
    reserved_count INT DEFAULT 0,
    sold_count INT DEFAULT 0,

    settings JSONB DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ
);

CREATE TABLE seat_zones (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    show_id UUID NOT NULL REFERENCES shows(id) ON DELETE CASCADE,

    name VARCHAR(100) NOT NULL,
    description TEXT,
    color VARCHAR(7),

    price DECIMAL(12, 2) NOT NULL,
    currency VARCHAR(3) DEFAULT 'THB',

    -- Inventory (source of truth, synced to Redis)
    total_seats INT NOT NULL,
    available_seats INT NOT NULL,
    reserved_seats INT DEFAULT 0,
    sold_seats INT DEFAULT 0,

    min_per_order INT DEFAULT 1,
    max_per_order INT DEFAULT 10,

    is_active BOOLEAN DEFAULT true,
    sort_order INT DEFAULT 0,
    sale_start_at TIMESTAMPTZ,
    sale_end_at TIMESTAMPTZ,

    attributes JSONB DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ
);

-- Indexes
CREATE INDEX idx_events_tenant_id ON events(tenant_id);
CREATE INDEX idx_events_organizer_id ON events(organizer_id);
CREATE INDEX idx_events_status ON events(status);
CREATE INDEX idx_events_is_public ON events(is_public) WHERE is_public = true;
CREATE INDEX idx_shows_event_id ON shows(event_id);
CREATE INDEX idx_shows_status ON shows(status);
CREATE INDEX idx_seat_zones_show_id ON seat_zones(show_id);
CREATE INDEX idx_seat_zones_available ON seat_zones(show_id, available_seats)
    WHERE is_active = true AND available_seats > 0;
