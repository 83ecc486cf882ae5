"""/api/v1/tenants and /api/v1/tenants/{tenant_id} (admin only; see services/auth/access.py for the rules)."""

from __future__ import annotations

from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from services.auth import store_sessions, store_tenants
from services.auth.access import Actor, authenticate, require_admin, require_platform_admin, require_tenant_admin
from services.auth.context import context
from services.auth.events import emit_tenant
from services.auth.models import ListQuery, TenantCreate, TenantList, TenantOut, TenantUpdate
from services.shared.errors import Conflict, Forbidden, NotFound
from services.shared.web import json_response, parse_query, path_uuid, read_json

__all__ = ["create_tenant", "delete_tenant", "get_tenant", "list_tenants", "update_tenant"]

PLATFORM_FLAG = "platform"


def _out(row: asyncpg.Record, status_code: int = 200) -> Response:
    return json_response(TenantOut.model_validate(dict(row)), status_code=status_code)


async def list_tenants(request: Request) -> Response:
    """Platform admins see every tenant; a tenant admin sees only its own."""
    ctx = context(request)
    query = parse_query(request, ListQuery)
    async with ctx.connection() as conn:
        actor = await authenticate(request, conn)
        require_admin(actor)
        only = None if actor.is_platform else actor.tenant_id
        rows = await store_tenants.list_tenants(conn, only_id=only, limit=query.limit, offset=query.offset)
    items = [TenantOut.model_validate(dict(row)) for row in rows]
    return json_response(TenantList(items=items, limit=query.limit, offset=query.offset))


async def create_tenant(request: Request) -> Response:
    ctx = context(request)
    body = await read_json(request, TenantCreate)
    async with ctx.connection() as conn, conn.transaction():
        actor = await authenticate(request, conn)
        require_platform_admin(actor)
        try:
            row = await store_tenants.insert_tenant(
                conn,
                name=body.name,
                slug=body.slug,
                domain=body.domain,
                logo_url=body.logo_url,
                settings=body.settings,
                is_active=body.is_active,
            )
        except asyncpg.UniqueViolationError:
            raise Conflict(f"tenant slug {body.slug!r} is taken", code="slug_taken") from None
        await emit_tenant(conn, "tenant.created", row)
    return _out(row, status_code=201)


async def get_tenant(request: Request) -> Response:
    ctx = context(request)
    tenant_id = path_uuid(request, "tenant_id")
    async with ctx.connection() as conn:
        actor = await authenticate(request, conn)
        require_tenant_admin(actor, tenant_id)
        row = await store_tenants.get_tenant(conn, tenant_id)
    if row is None:
        raise NotFound(f"tenant {tenant_id} not found", code="tenant_not_found")
    return _out(row)


def _check_update(actor: Actor, tenant_id: str, current: asyncpg.Record, changes: dict[str, Any]) -> None:
    current_flag = bool((current["settings"] or {}).get(PLATFORM_FLAG, False))
    new_settings = changes.get("settings")
    flag_changes = new_settings is not None and bool(new_settings.get(PLATFORM_FLAG, False)) != current_flag
    if not actor.is_platform and ("is_active" in changes or flag_changes):
        # Otherwise a tenant admin could grant its own tenant platform powers.
        raise Forbidden(
            "only platform admins may change is_active or settings.platform", code="platform_admin_required"
        )
    if actor.tenant_id == tenant_id and (changes.get("is_active") is False or flag_changes):
        raise Conflict("a platform admin cannot disable or demote its own tenant", code="cannot_modify_self")


async def update_tenant(request: Request) -> Response:
    """name, domain, logo_url, settings (replaced as a whole); is_active and settings.platform: platform only."""
    ctx = context(request)
    tenant_id = path_uuid(request, "tenant_id")
    body = await read_json(request, TenantUpdate)
    changes = body.model_dump(exclude_unset=True)
    async with ctx.connection() as conn, conn.transaction():
        actor = await authenticate(request, conn)
        require_tenant_admin(actor, tenant_id)
        current = await conn.fetchrow(
            f"SELECT {store_tenants.TENANT_COLUMNS} FROM tenants WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
            tenant_id,
        )
        if current is None:
            raise NotFound(f"tenant {tenant_id} not found", code="tenant_not_found")
        if changes.get("settings") is None:
            changes.pop("settings", None)  # settings is NOT NULL in spirit: null means "leave it"
        _check_update(actor, tenant_id, current, changes)
        changed = {key: value for key, value in changes.items() if current[key] != value}
        row = current
        if changed:
            updated = await store_tenants.update_tenant(conn, tenant_id, changed)
            assert updated is not None  # row is locked by this transaction
            row = updated
            await emit_tenant(conn, "tenant.updated", row, changed)
            if changed.get("is_active") is False:
                await store_sessions.revoke_tenant(conn, tenant_id, "tenant_disabled")
    return _out(row)


async def delete_tenant(request: Request) -> Response:
    """Platform admin: soft delete (deleted_at, inactive), revoke every session; emits tenant.updated."""
    ctx = context(request)
    tenant_id = path_uuid(request, "tenant_id")
    async with ctx.connection() as conn, conn.transaction():
        actor = await authenticate(request, conn)
        require_platform_admin(actor)
        if actor.tenant_id == tenant_id:
            raise Conflict("a platform admin cannot delete its own tenant", code="cannot_modify_self")
        row = await store_tenants.soft_delete_tenant(conn, tenant_id)
        if row is None:
            raise NotFound(f"tenant {tenant_id} not found", code="tenant_not_found")
        await store_sessions.revoke_tenant(conn, tenant_id, "tenant_deleted")
        await emit_tenant(conn, "tenant.updated", row, ["deleted_at", "is_active"])
    return Response(status_code=204)
