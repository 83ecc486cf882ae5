"""Shows of an event: organizer create/update while the event is a draft, public reads once published."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from services.shared.web import json_response, path_uuid, read_json
from services.ticket import payloads
from services.ticket.access import optional_principal, require_editable, require_staff, staff_event, staff_show
from services.ticket.context import ctx
from services.ticket.reads import visible_row
from services.ticket.rows import emit, merged_window, update_row, with_tz
from services.ticket.show_models import ShowCreate, ShowList, ShowOut, ShowUpdate

__all__ = ["create_show", "get_show", "list_shows", "update_show"]

# Loaded into the engine when the event is published: frozen afterwards (409 event_published).
_SALE_FIELDS = frozenset({"show_date", "start_time", "sale_start_at", "sale_end_at"})
_TIMES = ("start_time", "end_time", "doors_open_at")
_EVENT = "SELECT tenant_id, status AS event_status FROM events WHERE id = $1 AND deleted_at IS NULL"
_SHOW = """
SELECT s.*, e.tenant_id, e.status AS event_status FROM shows s JOIN events e ON e.id = s.event_id
WHERE s.id = $1 AND s.deleted_at IS NULL AND e.deleted_at IS NULL
"""


async def list_shows(request: Request) -> Response:
    principal = optional_principal(request)
    event_id = path_uuid(request, "event_id")
    async with ctx(request).pool.acquire() as conn:
        await visible_row(conn, _EVENT, event_id, principal, "event")
        rows = await conn.fetch(
            "SELECT * FROM shows WHERE event_id = $1 AND deleted_at IS NULL ORDER BY show_date, start_time, id",
            event_id,
        )
    return json_response(ShowList(items=[ShowOut.model_validate(dict(r)) for r in rows]))


async def create_show(request: Request) -> Response:
    principal = require_staff(request)
    event_id = path_uuid(request, "event_id")
    body = await read_json(request, ShowCreate)
    async with ctx(request).pool.acquire() as conn, conn.transaction():
        event = await staff_event(conn, event_id, principal, lock=True)
        require_editable(event["status"], structural=True)
        row: Any = await conn.fetchrow(
            """INSERT INTO shows (event_id, name, show_date, start_time, end_time, doors_open_at,
                                  sale_start_at, sale_end_at, settings)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *""",
            event["id"],
            body.name,
            body.show_date,
            with_tz(body.start_time),
            with_tz(body.end_time),
            with_tz(body.doors_open_at),
            body.sale_start_at,
            body.sale_end_at,
            body.settings,
        )
        await emit(conn, payloads.show_created(event, row))
    return json_response(ShowOut.model_validate(dict(row)), 201)


async def get_show(request: Request) -> Response:
    principal = optional_principal(request)
    show_id = path_uuid(request, "show_id")
    async with ctx(request).pool.acquire() as conn:
        row = await visible_row(conn, _SHOW, show_id, principal, "show")
    return json_response(ShowOut.model_validate(dict(row)))


async def update_show(request: Request) -> Response:
    principal = require_staff(request)
    show_id = path_uuid(request, "show_id")
    body = await read_json(request, ShowUpdate)
    changes = body.model_dump(exclude_unset=True)
    for name in _TIMES:
        if name in changes:
            changes[name] = with_tz(changes[name])
    async with ctx(request).pool.acquire() as conn, conn.transaction():
        row = await staff_show(conn, show_id, principal, lock=True)
        require_editable(row["event_status"], structural=bool(_SALE_FIELDS & changes.keys()))
        merged_window(row, changes, "sale_start_at", "sale_end_at", "show sale window")
        if changes:
            row = await update_row(conn, "shows", row["id"], changes)
    return json_response(ShowOut.model_validate(dict(row)))
