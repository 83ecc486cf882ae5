"""auth-service's events, written to the outbox in the transaction of the change they describe.

``data`` carries the full current state of the aggregate (not a diff) plus, for updates, which fields changed:
consumers keep a local copy and can simply overwrite it, whatever order they joined in. Password hashes never
leave auth_db.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg

from services.shared.envelope import EventEnvelope
from services.shared.outbox import write_outbox
from services.shared.topics import AUTH_TENANTS, AUTH_USERS

__all__ = ["SOURCE", "emit_tenant", "emit_user", "emit_user_deleted"]

SOURCE = "auth-service"


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _user_data(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "user_id": str(row["id"]),
        "tenant_id": str(row["tenant_id"]),
        "email": row["email"],
        "name": row["name"],
        "phone": row["phone"],
        "role": row["role"],
        "email_verified": row["email_verified"],
        "is_active": row["is_active"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


def _tenant_data(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "tenant_id": str(row["id"]),
        "name": row["name"],
        "slug": row["slug"],
        "domain": row["domain"],
        "logo_url": row["logo_url"],
        "settings": row["settings"],
        "is_active": row["is_active"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "deleted_at": _iso(row["deleted_at"]),
    }


async def emit_user(
    conn: asyncpg.Connection, event_type: str, row: asyncpg.Record, changed: Iterable[str] = ()
) -> None:
    """``user.created`` or ``user.updated`` with the user's state after the change."""
    data = _user_data(row)
    if event_type == "user.updated":
        data["changed"] = sorted(changed)
    envelope = EventEnvelope(
        type=event_type,
        source=SOURCE,
        aggregate_type="user",
        aggregate_id=str(row["id"]),
        data=data,
        tenant_id=str(row["tenant_id"]),
    )
    await write_outbox(conn, envelope, AUTH_USERS)


async def emit_user_deleted(conn: asyncpg.Connection, row: asyncpg.Record) -> None:
    envelope = EventEnvelope(
        type="user.deleted",
        source=SOURCE,
        aggregate_type="user",
        aggregate_id=str(row["id"]),
        data={"user_id": str(row["id"]), "tenant_id": str(row["tenant_id"]), "deleted_at": _iso(row["deleted_at"])},
        tenant_id=str(row["tenant_id"]),
    )
    await write_outbox(conn, envelope, AUTH_USERS)


async def emit_tenant(
    conn: asyncpg.Connection, event_type: str, row: asyncpg.Record, changed: Iterable[str] = ()
) -> None:
    """``tenant.created`` or ``tenant.updated`` (a soft delete is an update with ``deleted_at`` set)."""
    data = _tenant_data(row)
    if event_type == "tenant.updated":
        data["changed"] = sorted(changed)
    envelope = EventEnvelope(
        type=event_type,
        source=SOURCE,
        aggregate_type="tenant",
        aggregate_id=str(row["id"]),
        data=data,
        tenant_id=str(row["id"]),
    )
    await write_outbox(conn, envelope, AUTH_TENANTS)
