"""booking-service: reservations (engine hold + group-committed booking row + outbox), idempotent per user key,
and the booking-saga consumer of payment outcomes. See docs/booking.md."""

from services.booking.app import create_app
from services.booking.settings import Settings

__all__ = ["Settings", "create_app"]
