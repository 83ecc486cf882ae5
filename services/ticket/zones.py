"""Seat zones of a show: price, capacity, per-order limits, sale window.

Capacity and price are part of the sale the engine holds in Redis, so once the event is published they are
frozen (409 ``event_published``); only presentation fields stay editable. In a draft, capacity may change but
never below sold + reserved (the CHECK constraints would refuse it too; we answer 409 before that).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from services.shared.errors import Conflict, UnprocessableEntity
from services.shared.web import json_response, path_uuid, read_json
from services.ticket import payloads
from services.ticket.access import optional_principal, require_editable, require_staff, staff_show, staff_zone
from services.ticket.context import ctx
from services.ticket.reads import visible_row
from services.ticket.rows import Conn, emit, merged_window, update_row
from services.ticket.show_models import ZoneCreate, ZoneList, ZoneOut, ZoneUpdate

__all__ = ["create_zone", "get_zone", "list_zones", "update_zone"]

_PRESENTATION = frozenset({"name", "description", "color", "sort_order", "attributes"})
_SHOW = """
SELECT s.id, e.tenant_id, e.status AS event_status FROM shows s JOIN events e ON e.id = s.event_id
WHERE s.id = $1 AND s.deleted_at IS NULL AND e.deleted_at IS NULL
"""
_ZONE = """
SELECT z.*, e.tenant_id, e.status AS event_status
FROM seat_zones z JOIN shows s ON s.id = z.show_id JOIN events e ON e.id = s.event_id
WHERE z.id = $1 AND z.deleted_at IS NULL AND s.deleted_at IS NULL AND e.deleted_at IS NULL
"""


async def _refresh_capacity(conn: Conn, show_id: Any) -> None:
    """shows.total_capacity is the sum of its live zones' seats (the design's denormalised count)."""
    await conn.execute(
        """UPDATE shows SET total_capacity = COALESCE((SELECT sum(total_seats) FROM seat_zones
                                                      WHERE show_id = $1 AND deleted_at IS NULL), 0),
                            updated_at = NOW()
           WHERE id = $1""",
        show_id,
    )


async def list_zones(request: Request) -> Response:
    principal = optional_principal(request)
    show_id = path_uuid(request, "show_id")
    async with ctx(request).pool.acquire() as conn:
        await visible_row(conn, _SHOW, show_id, principal, "show")
        rows = await conn.fetch(
            "SELECT * FROM seat_zones WHERE show_id = $1 AND deleted_at IS NULL ORDER BY sort_order, name, id", show_id
        )
    return json_response(ZoneList(items=[ZoneOut.model_validate(dict(r)) for r in rows]))


async def create_zone(request: Request) -> Response:
    principal = require_staff(request)
    show_id = path_uuid(request, "show_id")
    body = await read_json(request, ZoneCreate)
    async with ctx(request).pool.acquire() as conn, conn.transaction():
        show = await staff_show(conn, show_id, principal, lock=True)
        require_editable(show["event_status"], structural=True)
        row: Any = await conn.fetchrow(
            """INSERT INTO seat_zones (show_id, name, description, color, price, currency, total_seats,
                   available_seats, min_per_order, max_per_order, is_active, sort_order, sale_start_at, sale_end_at,
                   attributes)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *""",
            show["id"],
            body.name,
            body.description,
            body.color,
            body.price,
            body.currency,
            body.total_seats,
            body.min_per_order,
            body.max_per_order,
            body.is_active,
            body.sort_order,
            body.sale_start_at,
            body.sale_end_at,
            body.attributes,
        )
        await _refresh_capacity(conn, show["id"])
    return json_response(ZoneOut.model_validate(dict(row)), 201)


async def get_zone(request: Request) -> Response:
    principal = optional_principal(request)
    zone_id = path_uuid(request, "zone_id")
    async with ctx(request).pool.acquire() as conn:
        row = await visible_row(conn, _ZONE, zone_id, principal, "zone")
    return json_response(ZoneOut.model_validate(dict(row)))


def _check_limits(row: Any, changes: dict[str, Any]) -> None:
    low = changes.get("min_per_order", row["min_per_order"])
    high = changes.get("max_per_order", row["max_per_order"])
    if low > high:
        raise UnprocessableEntity(
            "min_per_order must not exceed max_per_order",
            details=[{"loc": ["body", "min_per_order"], "msg": "exceeds max_per_order", "type": "order_limits"}],
        )


async def update_zone(request: Request) -> Response:
    principal = require_staff(request)
    zone_id = path_uuid(request, "zone_id")
    body = await read_json(request, ZoneUpdate)
    changes = body.model_dump(exclude_unset=True)
    async with ctx(request).pool.acquire() as conn, conn.transaction():
        row = await staff_zone(conn, zone_id, principal, lock=True)
        require_editable(row["event_status"], structural=bool(changes.keys() - _PRESENTATION))
        _check_limits(row, changes)
        merged_window(row, changes, "sale_start_at", "sale_end_at", "zone sale window")
        capacity_changed = "total_seats" in changes and changes["total_seats"] != row["total_seats"]
        if capacity_changed:
            committed = row["sold_seats"] + row["reserved_seats"]
            if changes["total_seats"] < committed:
                raise Conflict(
                    f"total_seats {changes['total_seats']} is below sold + reserved ({committed})",
                    code="capacity_below_committed",
                )
            changes["available_seats"] = changes["total_seats"] - committed
        tenant_id, event_id = row["tenant_id"], row["event_id"]
        if changes:
            row = await update_row(conn, "seat_zones", row["id"], changes)
        if capacity_changed:
            await _refresh_capacity(conn, row["show_id"])
            cause = {"type": "capacity"}
            await emit(conn, payloads.zone_inventory_updated(row, event_id, tenant_id, cause))
    return json_response(ZoneOut.model_validate(dict(row)))
