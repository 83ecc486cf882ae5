"""Small database helpers: PATCH updates, slugs, time zones, and turning asyncpg errors into API errors."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time
from typing import Any, TypeAlias, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from services.shared.envelope import EventEnvelope
from services.shared.errors import Conflict, UnprocessableEntity
from services.shared.outbox import write_outbox_many

__all__ = ["Conn", "emit", "epoch_ms", "merged_window", "slugify", "translate_db_errors", "update_row", "with_tz"]

_NON_SLUG = re.compile(r"[^a-z0-9]+")
# A connection from ``pool.acquire()`` (a proxy) or a bare one (the consumer runner's); both behave the same.
Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"


async def emit(conn: Conn, *items: tuple[EventEnvelope, str]) -> None:
    """Outbox rows on ``conn``, inside the caller's transaction. The shared writer is typed for a bare
    ``asyncpg.Connection`` only; a pool proxy forwards every call to one, hence the cast."""
    await write_outbox_many(cast("asyncpg.Connection[asyncpg.Record]", conn), list(items))


def slugify(name: str, max_length: int) -> str:
    """ASCII slug of ``name``; names with no Latin letters (e.g. Thai) get a short random slug instead."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = _NON_SLUG.sub("-", ascii_name).strip("-")[:max_length].rstrip("-")
    return slug or f"item-{uuid.uuid4().hex[:8]}"


def with_tz(value: time | None) -> time | None:
    """TIMETZ columns: a time given without an offset is taken as UTC rather than the server's zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def epoch_ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def merged_window(row: Mapping[str, Any], changes: Mapping[str, Any], start: str, end: str, what: str) -> None:
    """A PATCH may move one bound of a window past the stored other bound; check the result, not the body."""
    lo = changes[start] if start in changes else row[start]
    hi = changes[end] if end in changes else row[end]
    if lo is not None and hi is not None and hi <= lo:
        raise UnprocessableEntity(
            f"{what}: {end} must be after {start}",
            code="validation_error",
            details=[{"loc": ["body", end], "msg": f"must be after {start}", "type": "window"}],
        )


async def update_row(conn: Conn, table: str, row_id: Any, changes: Mapping[str, Any]) -> Any:
    """UPDATE ``table`` SET the given columns (names come from request models, never from input) RETURNING *."""
    columns = list(changes)
    assignments = ", ".join(f"{column} = ${n}" for n, column in enumerate(columns, start=2))
    sql = f"UPDATE {table} SET {assignments}, updated_at = NOW() WHERE id = $1 RETURNING *"
    return await conn.fetchrow(sql, row_id, *(changes[c] for c in columns))


@asynccontextmanager
async def translate_db_errors(what: str) -> AsyncIterator[None]:
    """Constraint violations caused by the request become 409s with stable codes instead of 500s."""
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(f"a {what} with this slug already exists in your tenant", code="slug_taken") from exc
    except asyncpg.CheckViolationError as exc:
        raise Conflict(f"the change violates {exc.constraint_name}", code="constraint_violation") from exc
