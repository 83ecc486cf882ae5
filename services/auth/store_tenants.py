"""SQL for tenants. Every function runs on the caller's connection (and transaction)."""

from __future__ import annotations

from typing import Any

import asyncpg

__all__ = [
    "TENANT_COLUMNS",
    "get_tenant",
    "get_tenant_by_slug",
    "insert_tenant",
    "list_tenants",
    "lock_tenant",
    "soft_delete_tenant",
    "update_tenant",
]

TENANT_COLUMNS = "id, name, slug, domain, logo_url, settings, is_active, created_at, updated_at, deleted_at"
# Columns a PATCH may set; the names are interpolated into SQL, so only this whitelist may reach it.
_UPDATABLE = ("name", "domain", "logo_url", "settings", "is_active")


async def get_tenant(conn: asyncpg.Connection, tenant_id: str) -> asyncpg.Record | None:
    """A tenant that is not deleted."""
    return await conn.fetchrow(
        f"SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1 AND deleted_at IS NULL",
        tenant_id,
    )


async def get_tenant_by_slug(conn: asyncpg.Connection, slug: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {TENANT_COLUMNS} FROM tenants WHERE slug = $1 AND deleted_at IS NULL",
        slug,
    )


async def lock_tenant(conn: asyncpg.Connection, tenant_id: str) -> asyncpg.Record | None:
    """Read a tenant and hold a share lock until commit, so it cannot be disabled halfway through a write."""
    return await conn.fetchrow(
        f"SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1 AND deleted_at IS NULL FOR SHARE",
        tenant_id,
    )


async def insert_tenant(
    conn: asyncpg.Connection,
    *,
    name: str,
    slug: str,
    domain: str | None,
    logo_url: str | None,
    settings: dict[str, Any],
    is_active: bool,
) -> asyncpg.Record:
    """Raises asyncpg.UniqueViolationError when the slug is taken."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO tenants (name, slug, domain, logo_url, settings, is_active)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6)
        RETURNING {TENANT_COLUMNS}
        """,
        name,
        slug,
        domain,
        logo_url,
        settings,
        is_active,
    )
    assert row is not None
    return row


async def update_tenant(conn: asyncpg.Connection, tenant_id: str, changes: dict[str, Any]) -> asyncpg.Record | None:
    unknown = set(changes) - set(_UPDATABLE)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    assignments = [f"{column} = ${i}" for i, column in enumerate(changes, start=2)]
    assignments.append("updated_at = NOW()")
    return await conn.fetchrow(
        f"UPDATE tenants SET {', '.join(assignments)} WHERE id = $1 AND deleted_at IS NULL RETURNING {TENANT_COLUMNS}",
        tenant_id,
        *changes.values(),
    )


async def soft_delete_tenant(conn: asyncpg.Connection, tenant_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "UPDATE tenants SET deleted_at = NOW(), is_active = false, updated_at = NOW() "
        f"WHERE id = $1 AND deleted_at IS NULL RETURNING {TENANT_COLUMNS}",
        tenant_id,
    )


async def list_tenants(
    conn: asyncpg.Connection, *, only_id: str | None, limit: int, offset: int
) -> list[asyncpg.Record]:
    """All live tenants, or just ``only_id`` (what a non-platform admin may see)."""
    return await conn.fetch(
        f"SELECT {TENANT_COLUMNS} FROM tenants "
        "WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR id = $1::uuid) "
        "ORDER BY created_at, id LIMIT $2 OFFSET $3",
        only_id,
        limit,
        offset,
    )
