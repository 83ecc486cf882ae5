"""Public listing and search of published, public, non-deleted events (paginated, with the total count)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from services.shared.web import json_response, parse_query
from services.ticket.catalog_models import EventOut, EventPage, EventQuery
from services.ticket.context import ctx

__all__ = ["list_events"]


def _like(text: str) -> str:
    """A literal substring pattern: the user's % and _ must not act as wildcards."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(query: EventQuery) -> tuple[str, list[Any]]:
    clauses = ["e.status = 'published'", "e.is_public", "e.deleted_at IS NULL"]
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if query.tenant_id is not None:
        clauses.append(f"e.tenant_id = {arg(query.tenant_id)}")
    if query.category_id is not None:
        clauses.append(f"e.category_id = {arg(query.category_id)}")
    if query.city:
        clauses.append(f"lower(e.city) = lower({arg(query.city)})")
    if query.q:
        pattern = arg(_like(query.q))
        fields = ("e.name", "e.short_description", "e.venue_name")
        clauses.append("(" + " OR ".join(f"{field} ILIKE {pattern}" for field in fields) + ")")
    if query.date_from is not None or query.date_to is not None:
        show_clauses = ["s.event_id = e.id", "s.deleted_at IS NULL"]
        if query.date_from is not None:
            show_clauses.append(f"s.show_date >= {arg(query.date_from)}")
        if query.date_to is not None:
            show_clauses.append(f"s.show_date <= {arg(query.date_to)}")
        clauses.append(f"EXISTS (SELECT 1 FROM shows s WHERE {' AND '.join(show_clauses)})")
    return " AND ".join(clauses), args


async def list_events(request: Request) -> Response:
    query = parse_query(request, EventQuery)
    where, args = _where(query)
    n = len(args)
    async with ctx(request).pool.acquire() as conn:
        total = await conn.fetchval(f"SELECT count(*) FROM events e WHERE {where}", *args)
        rows = await conn.fetch(
            f"""SELECT e.* FROM events e WHERE {where}
                ORDER BY e.is_featured DESC, e.published_at DESC, e.id LIMIT ${n + 1} OFFSET ${n + 2}""",
            *args,
            query.limit,
            query.offset,
        )
    items = [EventOut.model_validate(dict(r)) for r in rows]
    return json_response(EventPage(items=items, total=total, limit=query.limit, offset=query.offset))
