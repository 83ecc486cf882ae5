"""Who may see or change what. Staff (organizer/admin) act on their own tenant only; everyone may read published
events. Rows of another tenant are answered with 404, never 403, so ids do not leak which tenant owns them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from services.shared.errors import Conflict, Forbidden, NotFound
from services.shared.tokens import Principal
from services.shared.web import require_principal
from services.ticket.rows import Conn

__all__ = [
    "can_see",
    "optional_principal",
    "require_editable",
    "require_staff",
    "staff_event",
    "staff_show",
    "staff_zone",
]


def require_staff(request: Request) -> Principal:
    principal = require_principal(request)
    if not principal.is_staff:
        raise Forbidden("this operation needs an organizer or admin token", code="forbidden")
    return principal


def optional_principal(request: Request) -> Principal | None:
    """Public reads: no header means anonymous; a header that is present must be valid (401 otherwise)."""
    if request.headers.get("authorization") is None:
        return None
    return require_principal(request)


def can_see(principal: Principal | None, tenant_id: Any, status: str) -> bool:
    """Published and cancelled events are public by id; drafts only for staff of the owning tenant."""
    if status != "draft":
        return True
    return principal is not None and principal.is_staff and principal.tenant_id == str(tenant_id)


def require_editable(status: str, *, structural: bool) -> None:
    """Cancelled events are frozen. Published ones allow cosmetic edits only (``structural=False``): their
    sale is live in Redis and the engine cannot re-price or re-size a live zone."""
    if status == "cancelled":
        raise Conflict("the event is cancelled and can no longer be changed", code="event_cancelled")
    if status == "published" and structural:
        raise Conflict(
            "the event is published: capacity, prices, order limits and sale windows are frozen",
            code="event_published",
        )


_EVENT = "SELECT e.* FROM events e WHERE e.id = $1 AND e.tenant_id = $2 AND e.deleted_at IS NULL"
_SHOW = """
SELECT s.*, e.tenant_id, e.status AS event_status FROM shows s JOIN events e ON e.id = s.event_id
WHERE s.id = $1 AND e.tenant_id = $2 AND s.deleted_at IS NULL AND e.deleted_at IS NULL
"""
_ZONE = """
SELECT z.*, s.event_id, e.tenant_id, e.status AS event_status
FROM seat_zones z JOIN shows s ON s.id = z.show_id JOIN events e ON e.id = s.event_id
WHERE z.id = $1 AND e.tenant_id = $2 AND z.deleted_at IS NULL AND s.deleted_at IS NULL AND e.deleted_at IS NULL
"""


async def _one(conn: Conn, sql: str, id_: str, principal: Principal, lock: bool, what: str) -> Any:
    # Every staff mutation locks only the EVENT row: it serialises edits and publish/cancel per event, while
    # zone and show rows are then locked in the same order (zone, then show) the consumer uses: no deadlock.
    row = await conn.fetchrow(sql + (" FOR UPDATE OF e" if lock else ""), id_, principal.tenant_id)
    if row is None:
        raise NotFound(f"{what} {id_} not found", code=f"{what}_not_found")
    return row


async def staff_event(conn: Conn, event_id: str, principal: Principal, lock: bool = False) -> Any:
    return await _one(conn, _EVENT, event_id, principal, lock, "event")


async def staff_show(conn: Conn, show_id: str, principal: Principal, lock: bool = False) -> Any:
    return await _one(conn, _SHOW, show_id, principal, lock, "show")


async def staff_zone(conn: Conn, zone_id: str, principal: Principal, lock: bool = False) -> Any:
    return await _one(conn, _ZONE, zone_id, principal, lock, "zone")
