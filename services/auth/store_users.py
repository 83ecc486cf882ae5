"""SQL for users. Every query is scoped by tenant_id: there is no way to read a user without naming its tenant."""

from __future__ import annotations

from typing import Any

import asyncpg

__all__ = [
    "USER_COLUMNS",
    "get_user",
    "get_user_for_login",
    "insert_user",
    "list_users",
    "set_password_hash",
    "soft_delete_user",
    "update_user",
]

USER_COLUMNS = "id, tenant_id, email, name, phone, role, email_verified, is_active, created_at, updated_at"
_UPDATABLE = ("name", "phone", "role", "is_active", "password_hash")


async def get_user(conn: asyncpg.Connection, tenant_id: str, user_id: str) -> asyncpg.Record | None:
    """A live (not deleted) user of ``tenant_id``."""
    return await conn.fetchrow(
        f"SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL",
        user_id,
        tenant_id,
    )


async def get_user_for_login(conn: asyncpg.Connection, tenant_id: str, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE tenant_id = $1 AND email = $2 AND deleted_at IS NULL",
        tenant_id,
        email,
    )


async def insert_user(
    conn: asyncpg.Connection,
    *,
    tenant_id: str,
    email: str,
    password_hash: str,
    name: str | None,
    phone: str | None,
    role: str,
) -> asyncpg.Record:
    """Raises asyncpg.UniqueViolationError when the email is taken in the tenant (deleted users included)."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO users (tenant_id, email, password_hash, name, phone, role, email_verified, is_active)
        VALUES ($1, $2, $3, $4, $5, $6, false, true)
        RETURNING {USER_COLUMNS}
        """,
        tenant_id,
        email,
        password_hash,
        name,
        phone,
        role,
    )
    assert row is not None
    return row


async def update_user(
    conn: asyncpg.Connection, tenant_id: str, user_id: str, changes: dict[str, Any]
) -> asyncpg.Record | None:
    unknown = set(changes) - set(_UPDATABLE)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    assignments = [f"{column} = ${i}" for i, column in enumerate(changes, start=3)]
    assignments.append("updated_at = NOW()")
    return await conn.fetchrow(
        f"UPDATE users SET {', '.join(assignments)} "
        f"WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING {USER_COLUMNS}",
        user_id,
        tenant_id,
        *changes.values(),
    )


async def set_password_hash(conn: asyncpg.Connection, user_id: str, password_hash: str) -> None:
    """Upgrade a hash after a successful login (parameters changed); not a profile change, so no event."""
    await conn.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash)


async def soft_delete_user(conn: asyncpg.Connection, tenant_id: str, user_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "UPDATE users SET deleted_at = NOW(), is_active = false, updated_at = NOW() "
        "WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING id, tenant_id, deleted_at",
        user_id,
        tenant_id,
    )


async def list_users(conn: asyncpg.Connection, tenant_id: str, *, limit: int, offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND deleted_at IS NULL "
        "ORDER BY created_at, id LIMIT $2 OFFSET $3",
        tenant_id,
        limit,
        offset,
    )
