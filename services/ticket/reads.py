"""Loading an event with its shows and zones, and the visibility rule for public reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.shared.errors import NotFound
from services.shared.tokens import Principal
from services.ticket.access import can_see
from services.ticket.catalog_models import EventDetail
from services.ticket.rows import Conn
from services.ticket.show_models import ShowDetail, ZoneOut

__all__ = ["event_detail", "live_shows_and_zones", "visible_row"]


async def live_shows_and_zones(conn: Conn, event_id: Any) -> tuple[list[Any], list[Any]]:
    """Non-deleted shows of the event and their non-deleted zones, in display order."""
    shows = await conn.fetch(
        "SELECT * FROM shows WHERE event_id = $1 AND deleted_at IS NULL ORDER BY show_date, start_time, id", event_id
    )
    zones = await conn.fetch(
        """SELECT z.* FROM seat_zones z JOIN shows s ON s.id = z.show_id
           WHERE s.event_id = $1 AND s.deleted_at IS NULL AND z.deleted_at IS NULL
           ORDER BY z.sort_order, z.name, z.id""",
        event_id,
    )
    return list(shows), list(zones)


def _details(shows: Sequence[Any], zones: Sequence[Any]) -> list[ShowDetail]:
    return [
        ShowDetail.model_validate(
            {**dict(show), "zones": [ZoneOut.model_validate(dict(z)) for z in zones if z["show_id"] == show["id"]]}
        )
        for show in shows
    ]


async def event_detail(conn: Conn, event: Any) -> EventDetail:
    shows, zones = await live_shows_and_zones(conn, event["id"])
    return EventDetail.model_validate({**dict(event), "shows": _details(shows, zones)})


async def visible_row(conn: Conn, sql: str, row_id: str, principal: Principal | None, what: str) -> Any:
    """Fetch a row whose query also returns ``tenant_id`` and ``event_status``; 404 unless the caller may see it."""
    row = await conn.fetchrow(sql, row_id)
    if row is None or not can_see(principal, row["tenant_id"], row["event_status"]):
        raise NotFound(f"{what} {row_id} not found", code=f"{what}_not_found")
    return row
