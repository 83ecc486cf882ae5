"""Live availability of a show: the engine's counters from Redis (one round trip), or ticket_db's counts when
the sale is not in Redis (a draft, or a sale not opened yet). Cached in-process for ``availability_cache_s``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import Response

from engine import ZoneSnapshot
from services.shared.errors import NotFound, ServiceUnavailable
from services.shared.web import path_uuid
from services.ticket.access import can_see, optional_principal
from services.ticket.availability_cache import CachedAvailability
from services.ticket.context import TicketContext, ctx
from services.ticket.show_models import AvailabilityOut, ZoneAvailability

__all__ = ["get_availability", "load_availability"]

_ROWS = """
SELECT s.event_id, e.tenant_id, e.status AS event_status, z.id AS zone_id, z.name, z.price, z.currency,
       z.total_seats, z.available_seats, z.reserved_seats, z.sold_seats, z.is_active
FROM shows s JOIN events e ON e.id = s.event_id
LEFT JOIN seat_zones z ON z.show_id = s.id AND z.deleted_at IS NULL
WHERE s.id = $1 AND s.deleted_at IS NULL AND e.deleted_at IS NULL
ORDER BY z.sort_order, z.name, z.id
"""


def _zone(row: Any, total: int, available: int, reserved: int, sold: int, active: bool) -> ZoneAvailability:
    return ZoneAvailability(
        zone_id=row["zone_id"],
        name=row["name"],
        price=row["price"],
        currency=row["currency"],
        total=total,
        available=available,
        reserved=reserved,
        sold=sold,
        active=active,
        sold_out=available == 0,
    )


async def load_availability(context: TicketContext, show_id: str) -> CachedAvailability:
    rows = await context.pool.fetch(_ROWS, show_id)
    if not rows:
        raise NotFound(f"show {show_id} not found", code="show_not_found")
    first = rows[0]
    event_id, status = str(first["event_id"]), first["event_status"]
    zone_rows = [r for r in rows if r["zone_id"] is not None]
    snapshot: dict[str, ZoneSnapshot] = {}
    source: Literal["redis", "database"]
    if status != "draft":  # a draft's sale was never opened: skip the Redis round trip
        try:
            snapshot = await context.engine.snapshot_show(event_id, show_id)
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable("live inventory is unavailable", code="inventory_unavailable") from exc
    if snapshot:
        source = "redis"
        zones = [
            _zone(r, s.total, s.available, s.reserved, s.sold, s.active)
            for r in zone_rows
            if (s := snapshot.get(str(r["zone_id"]))) is not None
        ]
    else:
        source = "database"
        selling = status == "published"
        zones = [
            _zone(
                r,
                r["total_seats"],
                r["available_seats"],
                r["reserved_seats"],
                r["sold_seats"],
                r["is_active"] and selling,
            )
            for r in zone_rows
        ]
    body = AvailabilityOut(show_id=show_id, event_id=event_id, source=source, as_of=datetime.now(UTC), zones=zones)
    return CachedAvailability(event_id, str(first["tenant_id"]), status, orjson.dumps(body.model_dump(mode="json")))


async def get_availability(request: Request) -> Response:
    principal = optional_principal(request)
    show_id = path_uuid(request, "show_id")
    context = ctx(request)
    entry = await context.availability.get(show_id, lambda: load_availability(context, show_id))
    if not can_see(principal, entry.tenant_id, entry.event_status):
        raise NotFound(f"show {show_id} not found", code="show_not_found")
    # Drafts are staff-only: never let a shared cache keep them.
    cache = "private, no-store" if entry.event_status == "draft" else "public, max-age=1"
    return Response(entry.body, media_type="application/json", headers={"Cache-Control": cache})
