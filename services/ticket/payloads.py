"""The events ticket-service emits (envelope ``data``), built from ticket_db rows. Consumers rely on these
shapes: add fields freely, never change or drop one without a new ``dataschema`` version.

Catalog events (event.*, show.created) go to ticket.events keyed by the EVENT id, so one event's lifecycle keeps
its order on one partition; inventory events go to ticket.inventory keyed by the zone id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from services.shared.envelope import EventEnvelope
from services.shared.topics import TICKET_EVENTS, TICKET_INVENTORY

__all__ = [
    "SOURCE",
    "event_cancelled",
    "event_created",
    "event_published",
    "show_created",
    "zone_inventory_updated",
    "zone_sold_out",
]

SOURCE = "ticket-service"
Row = Any  # an asyncpg Record (stubs do not type it as a Mapping) or a dict


def _j(value: Any) -> Any:
    """JSON-safe scalars: ids and decimals as strings, times as ISO 8601."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _pick(row: Row, names: Sequence[str]) -> dict[str, Any]:
    return {name: _j(row[name]) for name in names}


_EVENT_FIELDS = (
    "tenant_id",
    "organizer_id",
    "category_id",
    "name",
    "slug",
    "status",
    "venue_name",
    "venue_address",
    "city",
    "country",
    "max_tickets_per_user",
    "booking_start_at",
    "booking_end_at",
    "is_public",
)
_SHOW_FIELDS = (
    "name",
    "show_date",
    "start_time",
    "end_time",
    "doors_open_at",
    "status",
    "sale_start_at",
    "sale_end_at",
    "total_capacity",
)
_ZONE_FIELDS = (
    "name",
    "price",
    "currency",
    "total_seats",
    "min_per_order",
    "max_per_order",
    "is_active",
    "sort_order",
    "sale_start_at",
    "sale_end_at",
)


def _catalog(kind: str, event: Row, data: dict[str, Any]) -> tuple[EventEnvelope, str]:
    envelope = EventEnvelope(
        type=kind,
        source=SOURCE,
        aggregate_type="event",
        aggregate_id=str(event["id"]),
        data=data,
        tenant_id=str(event["tenant_id"]),
    )
    return envelope, TICKET_EVENTS


def event_created(event: Row) -> tuple[EventEnvelope, str]:
    return _catalog("event.created", event, {"event_id": str(event["id"]), **_pick(event, _EVENT_FIELDS)})


def event_published(event: Row, shows: Sequence[Row], zones: Sequence[Row]) -> tuple[EventEnvelope, str]:
    """The whole sellable snapshot, so booking-service can cache names, dates, venue and prices from it."""
    show_items = []
    for show in shows:
        show_zones = [{"zone_id": str(z["id"]), **_pick(z, _ZONE_FIELDS)} for z in zones if z["show_id"] == show["id"]]
        show_items.append({"show_id": str(show["id"]), **_pick(show, _SHOW_FIELDS), "zones": show_zones})
    data = {
        "event_id": str(event["id"]),
        **_pick(event, _EVENT_FIELDS),
        "published_at": _j(event["published_at"]),
        "shows": show_items,
    }
    return _catalog("event.published", event, data)


def event_cancelled(event: Row, previous_status: str, show_ids: Sequence[Any]) -> tuple[EventEnvelope, str]:
    data = {
        "event_id": str(event["id"]),
        "tenant_id": str(event["tenant_id"]),
        "name": event["name"],
        "previous_status": previous_status,
        "cancelled_at": _j(event["updated_at"]),
        "show_ids": [str(s) for s in show_ids],
    }
    return _catalog("event.cancelled", event, data)


def show_created(event: Row, show: Row) -> tuple[EventEnvelope, str]:
    data = {
        "show_id": str(show["id"]),
        "event_id": str(event["id"]),
        "tenant_id": str(event["tenant_id"]),
        **_pick(show, _SHOW_FIELDS),
    }
    return _catalog("show.created", event, data)


def _inventory(kind: str, zone: Row, event_id: Any, tenant_id: Any, cause: dict[str, Any]) -> tuple[EventEnvelope, str]:
    data = {
        "zone_id": str(zone["id"]),
        "show_id": str(zone["show_id"]),
        "event_id": str(event_id),
        "tenant_id": str(tenant_id),
        "total_seats": zone["total_seats"],
        "available_seats": zone["available_seats"],
        "reserved_seats": zone["reserved_seats"],
        "sold_seats": zone["sold_seats"],
        "cause": cause,
    }
    envelope = EventEnvelope(
        type=kind,
        source=SOURCE,
        aggregate_type="zone",
        aggregate_id=str(zone["id"]),
        data=data,
        tenant_id=str(tenant_id),
    )
    return envelope, TICKET_INVENTORY


def zone_inventory_updated(
    zone: Row, event_id: Any, tenant_id: Any, cause: dict[str, Any]
) -> tuple[EventEnvelope, str]:
    """``cause``: {"type": "booking.reserved", "booking_id", "quantity", "source_event_id"} or {"type": "capacity"}."""
    return _inventory("zone.inventory.updated", zone, event_id, tenant_id, cause)


def zone_sold_out(zone: Row, event_id: Any, tenant_id: Any, cause: dict[str, Any]) -> tuple[EventEnvelope, str]:
    return _inventory("zone.sold_out", zone, event_id, tenant_id, cause)
