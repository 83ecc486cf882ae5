"""Events: organizer create/update/delete (own tenant) and the public read by id."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from services.shared.errors import Conflict, UnprocessableEntity
from services.shared.tokens import Principal
from services.shared.web import json_response, path_uuid, read_json
from services.ticket import payloads
from services.ticket.access import optional_principal, require_editable, require_staff, staff_event
from services.ticket.catalog_models import EventCreate, EventOut, EventUpdate
from services.ticket.context import ctx
from services.ticket.reads import event_detail, visible_row
from services.ticket.rows import Conn, emit, merged_window, slugify, translate_db_errors, update_row

__all__ = ["create_event", "delete_event", "get_event", "update_event"]

# Fields the engine has already loaded for a published sale; changing them needs a new sale, so 409.
_SALE_FIELDS = frozenset({"slug", "max_tickets_per_user", "booking_start_at", "booking_end_at"})
_COLUMNS = (
    "category_id",
    "name",
    "slug",
    "description",
    "short_description",
    "poster_url",
    "banner_url",
    "gallery",
    "venue_name",
    "venue_address",
    "city",
    "country",
    "latitude",
    "longitude",
    "max_tickets_per_user",
    "booking_start_at",
    "booking_end_at",
    "is_public",
    "is_featured",
    "settings",
)
_PUBLIC = "SELECT *, status AS event_status FROM events WHERE id = $1 AND deleted_at IS NULL"


async def _check_category(conn: Conn, category_id: Any, principal: Principal) -> None:
    if category_id is None:
        return
    found = await conn.fetchval(
        "SELECT 1 FROM categories WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL",
        category_id,
        principal.tenant_id,
    )
    if found is None:
        raise UnprocessableEntity(
            f"category {category_id} does not exist in your tenant",
            code="unknown_category",
            details=[{"loc": ["body", "category_id"], "msg": "unknown category", "type": "unknown_category"}],
        )


async def create_event(request: Request) -> Response:
    principal = require_staff(request)
    body = await read_json(request, EventCreate)
    values = body.model_dump()
    values["slug"] = body.slug or slugify(body.name, 255)
    placeholders = ", ".join(f"${n}" for n in range(3, len(_COLUMNS) + 3))
    columns = ", ".join(_COLUMNS)
    sql = f"INSERT INTO events (tenant_id, organizer_id, {columns}) VALUES ($1, $2, {placeholders}) RETURNING *"
    async with ctx(request).pool.acquire() as conn, conn.transaction():
        await _check_category(conn, body.category_id, principal)
        async with translate_db_errors("event"):
            row: Any = await conn.fetchrow(sql, principal.tenant_id, principal.user_id, *(values[c] for c in _COLUMNS))
        await emit(conn, payloads.event_created(row))
    return json_response(EventOut.model_validate(dict(row)), 201)


async def get_event(request: Request) -> Response:
    """Published (or cancelled) events for everyone; drafts only for staff of the owning tenant."""
    principal = optional_principal(request)
    event_id = path_uuid(request, "event_id")
    async with ctx(request).pool.acquire() as conn:
        row = await visible_row(conn, _PUBLIC, event_id, principal, "event")
        detail = await event_detail(conn, row)
    return json_response(detail)


async def update_event(request: Request) -> Response:
    principal = require_staff(request)
    event_id = path_uuid(request, "event_id")
    body = await read_json(request, EventUpdate)
    changes = body.model_dump(exclude_unset=True)
    async with ctx(request).pool.acquire() as conn, conn.transaction():
        row = await staff_event(conn, event_id, principal, lock=True)
        require_editable(row["status"], structural=bool(_SALE_FIELDS & changes.keys()))
        merged_window(row, changes, "booking_start_at", "booking_end_at", "booking window")
        if "category_id" in changes:
            await _check_category(conn, changes["category_id"], principal)
        if changes:
            async with translate_db_errors("event"):
                row = await update_row(conn, "events", row["id"], changes)
    return json_response(EventOut.model_validate(dict(row)))


async def delete_event(request: Request) -> Response:
    """Soft delete, only while draft: a published event is cancelled instead (its sale must be closed)."""
    principal = require_staff(request)
    event_id = path_uuid(request, "event_id")
    async with ctx(request).pool.acquire() as conn, conn.transaction():
        row = await staff_event(conn, event_id, principal, lock=True)
        if row["status"] != "draft":
            raise Conflict(f"only draft events can be deleted; this one is {row['status']}", code="event_not_draft")
        await conn.execute("UPDATE events SET deleted_at = NOW(), updated_at = NOW() WHERE id = $1", row["id"])
    return Response(status_code=204)
