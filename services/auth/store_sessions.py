"""SQL for refresh sessions: one row per refresh token, rows of one login share a ``family_id``.

A row's token is live while ``rotated_at``, ``revoked_at`` are NULL and ``expires_at`` is in the future. Using a
token sets ``rotated_at`` and inserts its successor; presenting a rotated token again is a replay, and the whole
family is revoked (migration 0003 explains the columns).
"""

from __future__ import annotations

import uuid

import asyncpg

__all__ = [
    "create_session",
    "find_session_for_update",
    "mark_rotated",
    "revoke_family",
    "revoke_tenant",
    "revoke_user",
]


async def create_session(
    conn: asyncpg.Connection,
    *,
    user_id: str,
    tenant_id: str,
    family_id: str | None,
    token_hash: str,
    user_agent: str | None,
    ip_address: str | None,
    ttl_s: int,
) -> str:
    """Insert a session; a new login starts a family whose id is its first session's id."""
    session_id = str(uuid.uuid4())
    await conn.execute(
        """
        INSERT INTO sessions (id, user_id, tenant_id, family_id, refresh_token_hash, user_agent, ip_address,
                              expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7::inet, NOW() + make_interval(secs => $8))
        """,
        session_id,
        user_id,
        tenant_id,
        family_id or session_id,
        token_hash,
        user_agent,
        ip_address,
        float(ttl_s),
    )
    return session_id


async def find_session_for_update(conn: asyncpg.Connection, token_hash: str) -> asyncpg.Record | None:
    """The session of a token, row-locked so two concurrent refreshes of one token serialise on it."""
    return await conn.fetchrow(
        """
        SELECT id, user_id, tenant_id, family_id, rotated_at, revoked_at, revoked_reason,
               expires_at <= NOW() AS expired
        FROM sessions WHERE refresh_token_hash = $1 FOR UPDATE
        """,
        token_hash,
    )


async def mark_rotated(conn: asyncpg.Connection, session_id: str, replaced_by: str) -> None:
    await conn.execute(
        "UPDATE sessions SET rotated_at = NOW(), replaced_by = $2 WHERE id = $1",
        session_id,
        replaced_by,
    )


async def revoke_family(conn: asyncpg.Connection, family_id: str, reason: str) -> int:
    status = await conn.execute(
        "UPDATE sessions SET revoked_at = NOW(), revoked_reason = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        family_id,
        reason,
    )
    return int(status.split()[-1])


async def revoke_user(conn: asyncpg.Connection, user_id: str, reason: str) -> int:
    status = await conn.execute(
        "UPDATE sessions SET revoked_at = NOW(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
        reason,
    )
    return int(status.split()[-1])


async def revoke_tenant(conn: asyncpg.Connection, tenant_id: str, reason: str) -> int:
    status = await conn.execute(
        "UPDATE sessions SET revoked_at = NOW(), revoked_reason = $2 WHERE tenant_id = $1 AND revoked_at IS NULL",
        tenant_id,
        reason,
    )
    return int(status.split()[-1])
