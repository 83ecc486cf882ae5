"""The design document's Kafka topics: one place, used by writers of outbox rows, relays and consumers."""

from __future__ import annotations

__all__ = [
    "ALL_TOPICS",
    "AUTH_TENANTS",
    "AUTH_USERS",
    "BOOKING_TRANSACTIONS",
    "PAYMENT_TRANSACTIONS",
    "TICKET_EVENTS",
    "TICKET_INVENTORY",
]

AUTH_USERS = "auth.users"
AUTH_TENANTS = "auth.tenants"
TICKET_EVENTS = "ticket.events"
TICKET_INVENTORY = "ticket.inventory"
BOOKING_TRANSACTIONS = "booking.transactions"
PAYMENT_TRANSACTIONS = "payment.transactions"

ALL_TOPICS: tuple[str, ...] = (
    AUTH_USERS,
    AUTH_TENANTS,
    TICKET_EVENTS,
    TICKET_INVENTORY,
    BOOKING_TRANSACTIONS,
    PAYMENT_TRANSACTIONS,
)
