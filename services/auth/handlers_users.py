"""/api/v1/users/me, /api/v1/users/{user_id} and /api/v1/tenants/{tenant_id}/users."""

from __future__ import annotations

from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from services.auth import store_sessions, store_tenants, store_users
from services.auth.access import Actor, authenticate, require_admin, require_tenant_admin
from services.auth.context import context
from services.auth.events import emit_user, emit_user_deleted
from services.auth.models import AdminUserCreate, AdminUserUpdate, ListQuery, ProfileUpdate, UserList, UserOut
from services.shared.errors import Conflict, Forbidden, NotFound
from services.shared.web import json_response, parse_query, path_uuid, read_json

__all__ = [
    "create_tenant_user",
    "delete_user",
    "get_me",
    "get_user",
    "list_tenant_users",
    "update_me",
    "update_user",
]


def _out(row: asyncpg.Record) -> Response:
    return json_response(UserOut.model_validate(dict(row)))


async def _apply_changes(conn: asyncpg.Connection, current: asyncpg.Record, changes: dict[str, Any]) -> asyncpg.Record:
    """Write only the fields whose value actually changes, and emit user.updated only if one did."""
    changed = {key: value for key, value in changes.items() if current[key] != value}
    if not changed:
        return current
    row = await store_users.update_user(conn, str(current["tenant_id"]), str(current["id"]), changed)
    assert row is not None  # the caller holds the row (same transaction)
    await emit_user(conn, "user.updated", row, changed)
    return row


async def get_me(request: Request) -> Response:
    ctx = context(request)
    async with ctx.connection() as conn:
        actor = await authenticate(request, conn)
        row = await store_users.get_user(conn, actor.tenant_id, actor.user_id)
    if row is None:
        raise NotFound("user not found", code="user_not_found")
    return _out(row)


async def update_me(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request, ProfileUpdate)
    async with ctx.connection() as conn, conn.transaction():
        actor = await authenticate(request, conn)
        current = await _lock_user(conn, actor.tenant_id, actor.user_id)
        row = await _apply_changes(conn, current, body.model_dump(exclude_unset=True))
    return _out(row)


async def _lock_user(conn: asyncpg.Connection, tenant_id: str, user_id: str) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"SELECT {store_users.USER_COLUMNS} FROM users "
        "WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL FOR UPDATE",
        user_id,
        tenant_id,
    )
    if row is None:
        raise NotFound(f"user {user_id} not found", code="user_not_found")
    return row


async def get_user(request: Request) -> Response:
    """For other services and staff: the user themself or staff of the same tenant; never another tenant."""
    ctx = context(request)
    user_id = path_uuid(request, "user_id")
    async with ctx.connection() as conn:
        actor = await authenticate(request, conn)
        # Decide before looking anything up, so a customer cannot probe which ids exist.
        if actor.user_id != user_id and not actor.is_staff:
            raise Forbidden("customers may only read their own account", code="forbidden")
        row = await store_users.get_user(conn, actor.tenant_id, user_id)
    if row is None:
        raise NotFound(f"user {user_id} not found", code="user_not_found")
    return _out(row)


def _guard_self(actor: Actor, user_id: str, what: str) -> None:
    # An admin demoting, disabling or deleting themself could leave a tenant with no admin at all.
    if actor.user_id == user_id:
        raise Conflict(f"admins cannot {what} their own account", code="cannot_modify_self")


async def update_user(request: Request) -> Response:
    """Admin of the user's tenant: name, phone, role, is_active. Disabling revokes the user's sessions."""
    ctx = context(request)
    user_id = path_uuid(request, "user_id")
    body = await read_json(request, AdminUserUpdate)
    changes = body.model_dump(exclude_unset=True)
    async with ctx.connection() as conn, conn.transaction():
        actor = await authenticate(request, conn)
        require_admin(actor)
        if "role" in changes or "is_active" in changes:
            _guard_self(actor, user_id, "change the role or active flag of")
        current = await _lock_user(conn, actor.tenant_id, user_id)
        row = await _apply_changes(conn, current, changes)
        if changes.get("is_active") is False:
            await store_sessions.revoke_user(conn, user_id, "account_disabled")
    return _out(row)


async def delete_user(request: Request) -> Response:
    """Admin of the user's tenant: soft delete (deleted_at), revoke sessions, emit user.deleted."""
    ctx = context(request)
    user_id = path_uuid(request, "user_id")
    async with ctx.connection() as conn, conn.transaction():
        actor = await authenticate(request, conn)
        require_admin(actor)
        _guard_self(actor, user_id, "delete")
        row = await store_users.soft_delete_user(conn, actor.tenant_id, user_id)
        if row is None:
            raise NotFound(f"user {user_id} not found", code="user_not_found")
        await store_sessions.revoke_user(conn, user_id, "account_deleted")
        await emit_user_deleted(conn, row)
    return Response(status_code=204)


async def create_tenant_user(request: Request) -> Response:
    """Admin of the tenant (or a platform admin, e.g. for a new tenant's first admin): any role."""
    ctx = context(request)
    tenant_id = path_uuid(request, "tenant_id")
    body = await read_json(request, AdminUserCreate)
    async with ctx.connection() as conn:
        actor = await authenticate(request, conn)
    require_tenant_admin(actor, tenant_id)
    password_hash = await ctx.passwords.hash(body.password)
    async with ctx.connection() as conn, conn.transaction():
        tenant = await store_tenants.lock_tenant(conn, tenant_id)
        if tenant is None:
            raise NotFound(f"tenant {tenant_id} not found", code="tenant_not_found")
        try:
            row = await store_users.insert_user(
                conn,
                tenant_id=tenant_id,
                email=body.email,
                password_hash=password_hash,
                name=body.name,
                phone=body.phone,
                role=body.role,
            )
        except asyncpg.UniqueViolationError:
            raise Conflict("this email is already registered in this tenant", code="email_taken") from None
        await emit_user(conn, "user.created", row)
    return json_response(UserOut.model_validate(dict(row)), status_code=201)


async def list_tenant_users(request: Request) -> Response:
    """Admin of that tenant only: user lists are never cross-tenant, not even for platform admins."""
    ctx = context(request)
    tenant_id = path_uuid(request, "tenant_id")
    query = parse_query(request, ListQuery)
    async with ctx.connection() as conn:
        actor = await authenticate(request, conn)
        require_admin(actor)
        if actor.tenant_id != tenant_id:
            raise NotFound(f"tenant {tenant_id} not found", code="tenant_not_found")
        rows = await store_users.list_users(conn, tenant_id, limit=query.limit, offset=query.offset)
    items = [UserOut.model_validate(dict(row)) for row in rows]
    return json_response(UserList(items=items, limit=query.limit, offset=query.offset))
