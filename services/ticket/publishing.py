"""Publishing and cancelling an event: ticket_db first (state + outbox in one transaction), Redis second.

Why this order: the database is the source of truth and the outbox makes ``event.published`` as durable as the
status change. If opening the sale in Redis then fails, the caller gets 503 and simply retries the publish: the
event is already published (no second outbox row), and ``InventoryEngine.open_sale`` is idempotent, so the
retry only finishes loading the zones. Cancel works the same way with ``close_sale``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import Response

from engine import EngineError, EventSpec, InventoryEngine, ShowSpec, ZoneSpec
from services.shared.errors import Conflict, ServiceUnavailable
from services.shared.web import json_response, path_uuid
from services.ticket import payloads
from services.ticket.access import require_staff, staff_event
from services.ticket.context import ctx
from services.ticket.reads import event_detail, live_shows_and_zones
from services.ticket.rows import emit, epoch_ms

__all__ = ["cancel_event", "open_sales", "publish_event"]

log = logging.getLogger("ticket.publishing")


def _specs(event: Any, shows: Sequence[Any], zones: Sequence[Any]) -> list[tuple[EventSpec, ShowSpec, list[ZoneSpec]]]:
    """ticket_db rows -> engine specs. ``sold_seats`` is passed so a first open after an outage keeps sales."""
    event_spec = EventSpec(
        event_id=str(event["id"]),
        tenant_id=str(event["tenant_id"]),
        max_tickets_per_user=event["max_tickets_per_user"],
        booking_start_ms=epoch_ms(event["booking_start_at"]),
        booking_end_ms=epoch_ms(event["booking_end_at"]),
    )
    out = []
    for show in shows:
        show_spec = ShowSpec(
            str(show["id"]), str(event["id"]), epoch_ms(show["sale_start_at"]), epoch_ms(show["sale_end_at"])
        )
        zone_specs = [
            ZoneSpec(
                zone_id=str(z["id"]),
                show_id=str(show["id"]),
                total_seats=z["total_seats"],
                price=z["price"],
                min_per_order=z["min_per_order"],
                max_per_order=z["max_per_order"],
                is_active=z["is_active"],
                sale_start_ms=epoch_ms(z["sale_start_at"]),
                sale_end_ms=epoch_ms(z["sale_end_at"]),
                sold_seats=z["sold_seats"],
            )
            for z in zones
            if z["show_id"] == show["id"]
        ]
        if zone_specs:
            out.append((event_spec, show_spec, zone_specs))
    return out


async def open_sales(engine: InventoryEngine, event: Any, shows: Sequence[Any], zones: Sequence[Any]) -> None:
    """Load every show's zones into Redis; 503 if Redis is unreachable, 409 if the engine refuses."""
    try:
        for event_spec, show_spec, zone_specs in _specs(event, shows, zones):
            await engine.open_sale(event_spec, show_spec, zone_specs)
    except (RedisError, OSError) as exc:
        log.warning("opening the sale of event %s failed: %s", event["id"], exc)
        raise ServiceUnavailable(
            "the event is published but its sale could not be opened yet; retry the publish",
            code="inventory_unavailable",
        ) from exc
    except EngineError as exc:
        raise Conflict(f"the inventory engine refused to open the sale: {exc}", code=exc.reason) from exc


async def publish_event(request: Request) -> Response:
    principal = require_staff(request)
    event_id = path_uuid(request, "event_id")
    context = ctx(request)
    async with context.pool.acquire() as conn:
        async with conn.transaction():
            event = await staff_event(conn, event_id, principal, lock=True)
            if event["status"] == "cancelled":
                raise Conflict("a cancelled event cannot be published", code="event_cancelled")
            shows, zones = await live_shows_and_zones(conn, event["id"])
            if event["status"] == "draft":
                sellable = {z["show_id"] for z in zones if z["is_active"]}
                if not any(show["id"] in sellable for show in shows):
                    raise Conflict("publishing needs at least one show with an active zone", code="nothing_to_sell")
                event = await conn.fetchrow(
                    """UPDATE events SET status = 'published', published_at = NOW(), updated_at = NOW()
                       WHERE id = $1 RETURNING *""",
                    event["id"],
                )
                await emit(conn, payloads.event_published(event, shows, zones))
        # Committed: from here on a failure is repaired by repeating the publish (see the module docstring).
        await open_sales(context.engine, event, shows, zones)
        detail = await event_detail(conn, event)
    return json_response(detail)


async def cancel_event(request: Request) -> Response:
    principal = require_staff(request)
    event_id = path_uuid(request, "event_id")
    context = ctx(request)
    async with context.pool.acquire() as conn:
        async with conn.transaction():
            event = await staff_event(conn, event_id, principal, lock=True)
            previous = event["status"]
            if previous != "cancelled":
                event = await conn.fetchrow(
                    "UPDATE events SET status = 'cancelled', updated_at = NOW() WHERE id = $1 RETURNING *", event["id"]
                )
                show_ids = await conn.fetch("SELECT id FROM shows WHERE event_id = $1 AND deleted_at IS NULL", event_id)
                await emit(conn, payloads.event_cancelled(event, previous, [r["id"] for r in show_ids]))
        if previous != "draft":  # a draft never reached Redis; cancelling twice just closes again (idempotent)
            try:
                await context.engine.close_sale(str(event["id"]))
            except (RedisError, OSError) as exc:
                raise ServiceUnavailable(
                    "the event is cancelled but its sale could not be closed yet; retry the cancel",
                    code="inventory_unavailable",
                ) from exc
        context.availability.forget_event(str(event["id"]))
        detail = await event_detail(conn, event)
    return json_response(detail)
