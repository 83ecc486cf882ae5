"""ticket-service: the event catalog (categories, events, shows, seat zones), publishing sales into the Redis
inventory engine, live availability, and the consumer that mirrors booking lifecycle events into ticket_db."""

from services.ticket.app import create_app
from services.ticket.settings import Settings

__all__ = ["Settings", "create_app"]
