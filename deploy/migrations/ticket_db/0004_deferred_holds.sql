-- Migration 0004 for ticket_db: the inventory consumer's reorder buffer.
-- booking.* events are keyed by booking, so events of DIFFERENT bookings of one zone reach the ticket consumer in
-- no guaranteed order: booking B's reservation can arrive before booking A's cancellation that freed B's seats in
-- Redis. Applied in that order ticket_db would show more seats held than exist, which the seat_zones CHECK
-- constraints refuse. Such a reservation is parked here instead, counted nowhere, and applied as soon as a
-- release makes room; a later confirm of it follows it here, a cancel/expiry of it simply removes it.
CREATE TABLE deferred_holds (
    booking_id UUID PRIMARY KEY,
    zone_id UUID NOT NULL,
    quantity INT NOT NULL CHECK (quantity > 0),
    status VARCHAR(20) NOT NULL CHECK (status IN ('reserved', 'confirmed')),
    source_event_id UUID NOT NULL,
    tenant_id UUID,
    deferred_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_deferred_holds_zone ON deferred_holds(zone_id, deferred_at);
